import { IdlegridError, type NetworkDomain, ReplayGuard, verifySignedMessage } from '@idlegrid/protocol';
import { type HelloAck, JOB_MESSAGES, providerHelloSchema } from '../jobs/wire.js';
import type { CoordinatorMesh } from '../mesh/coordinator-mesh.js';
import type { MessageChannel, RemotePeer } from '../p2p/api.js';
import type { Dispatcher } from './dispatcher.js';
import type { ErasureRelay } from './erasures.js';
import type { HardwareChallenges } from './hardware-challenges.js';
import type { JobStreams } from './job-streams.js';
import type { LeaseKeyRelay } from './lease-keys.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { StakeLookup } from './stake-lookup.js';

export interface CoordinatorHandlerDeps {
  channel: MessageChannel;
  registry: ProviderRegistry;
  dispatcher: Dispatcher;
  domain: NetworkDomain;
  hello: HelloAck;
  /** A provider's bonded stake; absent when the coordinator runs without chain checks. */
  stakeOf?: StakeLookup;
  /** Where streamed output of running jobs goes. */
  streams?: JobStreams;
  /** Erasures a provider missed while away are sent when it says hello. */
  erasures?: ErasureRelay;
  /** The private jobs a provider holds when it says hello wait for their keys again. */
  leaseKeys?: LeaseKeyRelay;
  /** The mesh: providers' offers and heartbeats are relayed to it, and its coordinators told in each hello. */
  mesh?: CoordinatorMesh;
  /** Proof of hardware: each offer's claims are challenged. */
  hardware?: HardwareChallenges;
}

/** The coordinator's side of the job protocol (see jobs/wire.ts). */
export function registerCoordinatorHandlers(deps: CoordinatorHandlerDeps): () => void {
  const heartbeatGuard = new ReplayGuard();

  /** A signed message must come from the peer that holds the signing key, or it is refused. */
  async function verifyFromPeer<K extends 'Offer' | 'Heartbeat'>(from: RemotePeer, input: unknown, kind: K) {
    const verified = await verifySignedMessage(deps.domain, input, {
      kind,
      ...(kind === 'Heartbeat' ? { replayGuard: heartbeatGuard } : {}),
    });
    if (verified.signer !== from.address) {
      throw new IdlegridError(
        'SIGNER_MISMATCH',
        `${kind} signed by ${verified.signer} arrived from ${from.address}`,
      );
    }
    return verified;
  }

  const acceptOffer = async (from: RemotePeer, body: unknown) => {
    const parsed = providerHelloSchema.pick({ offer: true }).safeParse(body);
    if (!parsed.success) throw new IdlegridError('MESSAGE_INVALID', 'expected { offer }');
    const verified = await verifyFromPeer(from, parsed.data.offer, 'Offer');
    const offer = verified.message;
    deps.registry.upsertOffer(from.id, offer, Date.now(), await deps.stakeOf?.(offer.provider));
    deps.mesh?.relayOffer({ kind: 'Offer', message: offer, signature: verified.signature });
    deps.hardware?.offered(offer.provider);
    if (deps.registry.get(offer.provider)?.rttMs === undefined) void measureRtt(from);
  };

  /** Round trips are measured by the coordinator, never reported by the provider: they cannot be faked short. */
  const measureRtt = async (from: RemotePeer) => {
    const started = performance.now();
    try {
      await deps.channel.request(from.id, JOB_MESSAGES.ping, {}, { timeoutMs: 5_000 });
      deps.registry.recordRtt(from.address, performance.now() - started, Date.now());
    } catch {
      // An old provider without ping, or a slow one: it stays unmeasured, and jobs with an RTT bound skip it.
    }
  };

  const removers = [
    deps.channel.handle(JOB_MESSAGES.hello, async ({ from, body }) => {
      const held = providerHelloSchema.pick({ activeJobs: true }).safeParse(body);
      if (!held.success) throw new IdlegridError('MESSAGE_INVALID', 'activeJobs must list job ids');
      // Before the offer is registered: no new job can reach the provider while its list is compared.
      const kept = await deps.dispatcher.reconcile(from.address, held.data.activeJobs);
      await acceptOffer(from, body);
      deps.dispatcher.hold(from.address, kept);
      deps.leaseKeys?.held(kept, from.address, from.id);
      void deps.erasures?.reconnected(from.address).catch(() => {});
      const coordinators = deps.mesh?.coordinators().flatMap((coordinator) => coordinator.p2p);
      return { ...deps.hello, ...(coordinators?.length ? { coordinators: coordinators.slice(0, 64) } : {}) };
    }),
    deps.channel.handle(JOB_MESSAGES.offer, ({ from, body }) => acceptOffer(from, body)),
    deps.channel.handle(JOB_MESSAGES.heartbeat, async ({ from, body }) => {
      const heartbeat = (body as { heartbeat?: unknown } | null)?.heartbeat;
      const verified = await verifyFromPeer(from, heartbeat, 'Heartbeat');
      deps.registry.recordHeartbeat(verified.message, Date.now());
      deps.mesh?.relayHeartbeat({
        kind: 'Heartbeat',
        message: verified.message,
        signature: verified.signature,
      });
      // Round trips change: each provider is measured again every tenth heartbeat.
      if (verified.message.sequence % 10n === 0n) void measureRtt(from);
    }),
    deps.channel.handle(JOB_MESSAGES.result, ({ from, body }) => deps.dispatcher.acceptResult(from, body)),
    deps.channel.handle(JOB_MESSAGES.commit, ({ from, body }) => deps.dispatcher.acceptCommit(from, body)),
    deps.channel.handle(JOB_MESSAGES.progress, ({ from, body }) => deps.streams?.deliver(from.address, body)),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
