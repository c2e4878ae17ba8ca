import { IdlegridError, type NetworkDomain, ReplayGuard, verifySignedMessage } from '@idlegrid/protocol';
import { type HelloAck, JOB_MESSAGES, providerHelloSchema } from '../jobs/wire.js';
import type { MessageChannel, RemotePeer } from '../p2p/api.js';
import type { Dispatcher } from './dispatcher.js';
import type { ProviderRegistry } from './provider-registry.js';

export interface CoordinatorHandlerDeps {
  channel: MessageChannel;
  registry: ProviderRegistry;
  dispatcher: Dispatcher;
  domain: NetworkDomain;
  hello: HelloAck;
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
    return verified.message;
  }

  const acceptOffer = async (from: RemotePeer, body: unknown) => {
    const parsed = providerHelloSchema.pick({ offer: true }).safeParse(body);
    if (!parsed.success) throw new IdlegridError('MESSAGE_INVALID', 'expected { offer }');
    deps.registry.upsertOffer(from.id, await verifyFromPeer(from, parsed.data.offer, 'Offer'), Date.now());
  };

  const removers = [
    deps.channel.handle(JOB_MESSAGES.hello, async ({ from, body }) => {
      const held = providerHelloSchema.pick({ activeJobs: true }).safeParse(body);
      if (!held.success) throw new IdlegridError('MESSAGE_INVALID', 'activeJobs must list job ids');
      // Before the offer is registered: no new job can reach the provider while its list is compared.
      const kept = await deps.dispatcher.reconcile(from.address, held.data.activeJobs);
      await acceptOffer(from, body);
      deps.registry.recordHeldJobs(from.address, kept);
      return deps.hello;
    }),
    deps.channel.handle(JOB_MESSAGES.offer, ({ from, body }) => acceptOffer(from, body)),
    deps.channel.handle(JOB_MESSAGES.heartbeat, async ({ from, body }) => {
      const heartbeat = (body as { heartbeat?: unknown } | null)?.heartbeat;
      deps.registry.recordHeartbeat(await verifyFromPeer(from, heartbeat, 'Heartbeat'), Date.now());
    }),
    deps.channel.handle(JOB_MESSAGES.result, ({ from, body }) => deps.dispatcher.acceptResult(from, body)),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
