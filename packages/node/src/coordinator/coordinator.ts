import { join } from 'node:path';
import { dashboardDir } from '@idlegrid/dashboard';
import { IdlegridError, localAccount, networkDomain } from '@idlegrid/protocol';
import { connect, type NetworkConfig } from '@idlegrid/sdk';
import type { Address, Hex } from 'viem';
import { startHealthListener } from '../api/health-listener.js';
import { type ApiLimitsSettings, resolveApiLimits } from '../api/limits/limits-settings.js';
import { createMetrics } from '../api/metrics.js';
import { createApiServer } from '../api/server.js';
import { activeCoordinators, publishEndpoints } from '../chain/coordinator-registry.js';
import { chainSessionGrants, sessionKeyDelegate } from '../chain/session-keys.js';
import { readTokenTransfers } from '../chain/token-transfers.js';
import { slasherCheck } from '../chain/verifier-role.js';
import { FeedQuality } from '../feeds/feed-quality.js';
import { FeedRewards } from '../feeds/feed-rewards.js';
import { FeedIngest } from '../feeds/ingest.js';
import { FlRunner } from '../fl/coordinator/fl-runner.js';
import { isRunOver } from '../jobs/job-states.js';
import { JOBS_PROTOCOL } from '../jobs/wire.js';
import { CoordinatorMesh } from '../mesh/coordinator-mesh.js';
import { createGossipHost } from '../p2p/host.js';
import { peerIdToAddress, remoteHostsOf } from '../p2p/identity.js';
import { Libp2pMessageChannel } from '../p2p/libp2p-channel.js';
import { Libp2pGossip } from '../p2p/libp2p-gossip.js';
import type { PolicyName } from '../scheduler/api.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { openCoordinatorStore } from '../store/open-store.js';
import { ArtifactAccess } from './artifact-access.js';
import { AssignmentSigner } from './assignment-signer.js';
import { CanaryChecks } from './canary-checks.js';
import { CanaryPool, exampleCanaryTasks } from './canary-pool.js';
import { chainSlasher } from './chain-slasher.js';
import { CollusionScan } from './collusion-scan.js';
import { chainDepositCheck } from './deposit-check.js';
import { Dispatcher } from './dispatcher.js';
import { ErasureRelay } from './erasures.js';
import { followGovernedParameters } from './governed-settings.js';
import { type HardwareChallengeSettings, HardwareChallenges } from './hardware-challenges.js';
import { InferenceGateway } from './inference/inference-gateway.js';
import { SessionPayments } from './inference/session-payments.js';
import { SessionSpending } from './inference/session-spending.js';
import { JobEventBus } from './job-event-bus.js';
import {
  DEFAULT_VERIFICATION,
  type DelegateCheck,
  JobIntake,
  type VerificationSettings,
} from './job-intake.js';
import { JobStreams } from './job-streams.js';
import { LeaseKeyRelay } from './lease-keys.js';
import { adoptMeshProviders } from './mesh-providers.js';
import { registerCoordinatorHandlers } from './p2p-handlers.js';
import { PaymentForwarder } from './payment-forwarder.js';
import { ProviderRegistry } from './provider-registry.js';
import { chainStakeRules } from './stake-lookup.js';
import { SybilWatch } from './sybil-watch.js';

export interface CoordinatorOptions {
  dataDir: string;
  network: NetworkConfig;
  /** The coordinator's key: its account (signs assignments) and its libp2p identity. */
  privateKey: Hex;
  apiHost?: string;
  /** 0 picks a free port. */
  apiPort?: number;
  /** A port of its own for GET /healthz (on apiHost), for monitors; 0 picks a free one; none when absent. */
  healthPort?: number;
  p2pListen?: readonly string[];
  /** Public p2p addresses told to peers beside the listening ones (see P2PHostOptions.announce). */
  p2pAnnounce?: readonly string[];
  databaseUrl?: string;
  /** An assignment is lost when its provider is unseen this long. */
  leaseMs?: number;
  tickMs?: number;
  maxAttempts?: number;
  /**
   * Read the chain to refuse jobs whose client has not deposited their max price, and to hold
   * providers to the stake floor (default true). Off: no chain is read, no stake is required.
   */
  chainChecks?: boolean;
  /** How results are checked: the default policy, what is carried out, the canary rate (DEFAULT_VERIFICATION). */
  verification?: VerificationSettings;
  /** How the scheduler places jobs (default `learned`). */
  placementPolicy?: PolicyName;
  /** The dashboard served at `/` (default: the built `@idlegrid/dashboard`). */
  dashboardDir?: string;
  /** Per-key rate limits, quotas and load shedding of the HTTP API (DEFAULT_API_LIMITS for what is left out). */
  limits?: ApiLimitsSettings;
  /** Other coordinators' p2p multiaddrs: the mesh is joined through them (the rest are found from their announcements). */
  peers?: readonly string[];
  /** How often the coordinator announces itself to the mesh (default 2 s). */
  announceMs?: number;
  /**
   * One of a cluster: coordinators sharing the PostgreSQL database at `databaseUrl`, each
   * running the jobs it accepted and taking over those of one that stops renewing its hold on
   * them (within a lease). Needs `databaseUrl`.
   */
  cluster?: boolean;
  /** How device readings are scored: every `intervalMs` (default 5 s), those that arrived `settleMs` ago (default 10 s), on a worker thread (default) or `here`, on the coordinator's. */
  feedScoring?: { intervalMs?: number; settleMs?: number; thread?: 'worker' | 'here' };
  /** How often collusion and wash trading are scanned for, ms (default ten minutes). */
  collusionScanMs?: number;
  /** Geohash characters kept of readings' cells, per feed (default 6, about 1.2 km). */
  feedCellPrecision?: Readonly<Record<string, number>>;
  /** How often the sybil detector runs, ms (default one minute). */
  sybilScanMs?: number;
  /** False: suspected sybil clusters are shown but not capped to one machine's work (default true). */
  sybilCaps?: boolean;
  /** Proof of hardware: how providers' claims are challenged (on by default); false: never. */
  hardwareChallenges?: HardwareChallengeSettings | false;
}

export interface RunningCoordinator {
  address: `0x${string}`;
  peerId: string;
  apiUrl: string;
  /** The health listener's URL, when `healthPort` was given. */
  healthUrl?: string;
  p2pAddrs: string[];
  stop(): Promise<void>;
}

/** Starts a coordinator: job store, HTTP API, p2p job protocol and the dispatch loop. */
export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  // Bad limits fail the start before anything is opened.
  const limits = resolveApiLimits(options.limits);
  const account = localAccount(options.privateKey);
  const domain = networkDomain(options.network.chainId, options.network.paymentChannels);
  const leaseMs = options.leaseMs ?? 15_000;
  if (options.cluster && !options.databaseUrl) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      'a cluster of coordinators shares one PostgreSQL: give databaseUrl',
    );
  }
  const store = await openCoordinatorStore({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    // A job's owner holds it for a lease: a dead owner's jobs are taken over as fast as its providers' leases lapse.
    ...(options.cluster ? { owner: { id: account.address.toLowerCase(), holdMs: leaseMs } } : {}),
  });
  const artifacts = new ArtifactStore(join(options.dataDir, 'artifacts'), undefined, store.blobs);
  const bus = new JobEventBus();
  const chainChecks = options.chainChecks ?? true;
  const stakeRules = chainChecks ? chainStakeRules(options.network) : undefined;
  // Without chain checks no stake is known, and none is required; with them the contract's
  // floor applies, followed as governance changes it (below).
  const scheduler = new Scheduler({
    policy: options.placementPolicy ?? 'learned',
    stakeFactor: 0,
    // The providers' default heartbeat period: the failure model's time step.
    heartbeatMs: 5_000,
    detectionMs: leaseMs,
  });
  const registry = new ProviderRegistry(leaseMs, scheduler);
  const host = await createGossipHost({
    privateKey: options.privateKey,
    ...(options.p2pListen ? { listen: options.p2pListen } : {}),
    ...(options.p2pAnnounce ? { announce: options.p2pAnnounce } : {}),
    // Providers joined here can be reached by the rest of the mesh through this coordinator.
    relay: 'server',
  });
  const channel = new Libp2pMessageChannel({ name: JOBS_PROTOCOL }, { libp2p: host.libp2p });
  const gossip = new Libp2pGossip({ domain }, { pubsub: host.libp2p.services.pubsub });
  let apiUrl = '';
  const mesh = new CoordinatorMesh({
    gossip,
    signer: account,
    domain,
    self: () => ({ apiUrl, p2p: host.multiaddrs(), providers: registry.onlineCount(Date.now()) }),
    dial: async (addresses) => {
      await host.bootstrap(addresses);
    },
    peers: () => host.peers(),
    ...(options.peers?.length ? { bootstrap: options.peers } : {}),
    // Alone (restarted, or its peers gone), it finds the mesh in the registry.
    ...(chainChecks
      ? {
          discover: async () =>
            (await activeCoordinators(options.network))
              .map((c) => c.p2p)
              .filter((p2p) => p2p.includes('/p2p/')),
        }
      : {}),
    // A provider punished elsewhere in the mesh is avoided here too; only slashers are believed.
    onPunishment: ({ provider }) => registry.punishedElsewhere(provider, Date.now()),
    ...(chainChecks ? { trusts: slasherCheck(options.network) } : {}),
    ...(options.announceMs === undefined ? {} : { announceMs: options.announceMs }),
  });
  // Providers joined to other coordinators are placed on too, through their coordinator's relay.
  // Only with the chain: a provider takes work from a coordinator it did not join only once the
  // CoordinatorRegistry says that coordinator is registered.
  const unmeshed = chainChecks
    ? adoptMeshProviders({ mesh, registry, host, ...(stakeRules ? { stakeOf: stakeRules.stakeOf } : {}) })
    : () => {};
  const unpunished = registry.onPunished((punishment) => {
    mesh
      .announcePunishment(punishment)
      .catch((error: unknown) => api.log.warn({ err: error }, 'could not tell the mesh of a punishment'));
  });
  host.libp2p.addEventListener('peer:disconnect', (event) => {
    // Providers are secp256k1 peers; a peer of another key type has no address and no offer.
    if (event.detail.type === 'secp256k1') registry.disconnected(peerIdToAddress(event.detail), Date.now());
  });
  const assignments = new AssignmentSigner(account, domain);
  // One object that intake and verification share: its default follows governance, and each
  // job that names no policy keeps the default it was accepted under until it ends.
  const verification: VerificationSettings = {
    ...(options.verification ?? DEFAULT_VERIFICATION),
    pinned: new Map(),
  };
  const governed = chainChecks
    ? await followGovernedParameters(options.network, (values) => {
        scheduler.setStakeFactor(values.stakeFloorMultiplier);
        verification.default = values.defaultVerification;
      })
    : undefined;
  const slash = stakeRules ? chainSlasher(options.network, account) : undefined;
  const canaries = new CanaryChecks({
    pool: new CanaryPool(artifacts, exampleCanaryTasks),
    store: store.jobs,
    artifacts,
    slash,
    domain,
    assignments,
    channel,
    registry,
    leaseMs,
  });
  const leaseKeys = new LeaseKeyRelay({ store: store.jobs, channel, domain });
  const erasures = new ErasureRelay({
    copies: store.copies,
    registry,
    channel,
    domain,
    store: store.jobs,
    bus,
  });
  const access = new ArtifactAccess({ owners: store.owners, grants: store.grants });
  await access.load();
  // Made once proof of hardware is (below): the dispatcher asks it which identities are capped.
  let sybil: SybilWatch | undefined;
  const dispatcher = new Dispatcher({
    capped: () => sybil?.capped() ?? [],
    leaseKeys,
    // In a cluster the coordinator a provider joined may not be its job's owner: a provider
    // heard of through the mesh is alive, its leases not lost. With separate stores its job
    // could finish nowhere else, so there a silent lease is retried as always.
    ...(options.cluster
      ? {
          claimEveryMs: Math.max(250, Math.floor(leaseMs / 3)),
          onTakeover: (ids: readonly string[]) =>
            api.log.info({ jobs: ids.length }, 'took over jobs of a coordinator that stopped holding them'),
          aliveElsewhere: (provider: Address, now: number) =>
            mesh
              .providers()
              .some((known) => known.offer.provider === provider && now - known.seenAt <= leaseMs),
        }
      : {}),
    onAssigned: (spec, provider, leaseExpiresAt) => {
      erasures.assigned(spec, provider);
      access.leased(spec, provider, leaseExpiresAt);
    },
    store: store.jobs,
    registry,
    channel,
    bus,
    artifacts,
    domain,
    assignments,
    leaseMs,
    verification: {
      settings: verification,
      canaries,
      ...(slash ? { slash } : {}),
    },
  });
  // API keys are session keys: specs, cancels and vouchers they sign count for their client while the chain says so.
  const sessionGrants = chainSessionGrants(options.network);
  const acceptDelegate: DelegateCheck = sessionKeyDelegate(sessionGrants);
  const intake = new JobIntake({
    domain,
    verification,
    acceptDelegate,
    store: store.jobs,
    bus,
    maxAttempts: options.maxAttempts ?? 3,
    artifactAccess: (spec) => access.checkJob(spec),
    ...(chainChecks ? { depositCheck: chainDepositCheck(options.network) } : {}),
  });
  const forwarder = new PaymentForwarder({
    store: store.jobs,
    payments: store.payments,
    registry,
    channel,
    bus,
    domain,
    acceptDelegate,
  });
  const streams = new JobStreams();
  const spending = new SessionSpending(sessionGrants);
  const inference = new InferenceGateway({
    domain,
    intake,
    store: store.jobs,
    bus,
    streams,
    registry,
    artifacts,
    spending,
    payments: new SessionPayments({ domain, forwarder, ledger: store.payments, spending }),
  });
  const fl = new FlRunner({
    payments: forwarder,
    ...(chainChecks ? { depositCheck: chainDepositCheck(options.network) } : {}),
    store: store.flRuns,
    artifacts,
    registry,
    channel,
    domain,
    slash,
    now: Date.now,
    log: (message, fields) => api.log.info(fields, message),
  });
  const feedRewards = new FeedRewards({
    fundings: store.feedFundings,
    devices: store.feeds,
    ledger: store.payments,
    domain,
    ...(chainChecks ? { depositCheck: chainDepositCheck(options.network) } : {}),
  });
  const feedQuality = new FeedQuality({
    store: store.readingScores,
    accrue: (trx, feed, scored) => feedRewards.accrueIn(trx, feed, scored),
    ...(options.feedScoring?.settleMs === undefined ? {} : { settleMs: options.feedScoring.settleMs }),
    ...(options.feedScoring?.thread ? { thread: options.feedScoring.thread } : {}),
  });
  const api = createApiServer(
    {
      inference,
      fl,
      intake,
      store: store.jobs,
      artifacts,
      owners: { store: store.owners, domain, grants: store.grants },
      bus,
      leaseKeys,
      erasures,
      access,
      feeds: {
        ingest: new FeedIngest({
          store: store.feeds,
          domain,
          ...(options.feedCellPrecision ? { cellPrecision: options.feedCellPrecision } : {}),
        }),
        store: store.feeds,
        scores: store.readingScores,
        rewards: feedRewards,
      },
      metrics: createMetrics(bus, registry, () => ({
        ...dispatcher.heldJobs(),
        pinnedPolicy: verification.pinned?.size ?? 0,
      })),
      registry,
      sybil: () => sybil?.snapshot(),
      payments: { forwarder, ledger: store.payments },
      chain: { context: connect(options.network), coordinator: account.address, readsChain: chainChecks },
      mesh,
      dashboardDir: options.dashboardDir ?? dashboardDir,
    },
    { limits },
  );

  await dispatcher.recover();
  apiUrl = await api.listen({ host: options.apiHost ?? '127.0.0.1', port: options.apiPort ?? 0 });
  const health =
    options.healthPort === undefined
      ? undefined
      : await startHealthListener(options.apiHost ?? '127.0.0.1', options.healthPort).catch(
          async (error: unknown) => {
            await api.close();
            throw error;
          },
        );
  assignments.apiUrl = apiUrl;
  await host.start();
  await channel.start();
  gossip.start();
  mesh.start();
  feedQuality.start(options.feedScoring?.intervalMs);
  const collusionScan = new CollusionScan({
    store: store.jobs,
    registry,
    payments: store.payments,
    ...(chainChecks ? { transfers: () => readTokenTransfers(connect(options.network)) } : {}),
    protocolAccounts: [
      options.network.staking,
      options.network.paymentChannels,
      options.network.coordinatorRegistry,
      options.network.timelock,
      options.network.governor,
    ],
  });
  collusionScan.start(options.collusionScanMs, (error) =>
    api.log.warn({ err: error }, 'collusion scan failed'),
  );
  if (chainChecks) {
    // Where providers and clients find this coordinator on-chain; a failure only leaves it stale.
    // An announced address is the one meant for the world (a public IP, a forwarded port).
    const addresses = host.multiaddrs();
    const announced = addresses.find((a) => options.p2pAnnounce?.some((p) => a.startsWith(`${p}/p2p/`)));
    publishEndpoints(connect(options.network, account), {
      p2p: announced ?? addresses[0] ?? '',
      apiUrl,
    }).then(
      (outcome) => api.log.info({ outcome }, 'registry endpoints'),
      (error: unknown) => api.log.warn({ err: error }, 'could not publish endpoints to the registry'),
    );
  }
  // Runs left running by a previous process go on at their last closed round.
  void fl.resume();
  const hardware =
    options.hardwareChallenges === false
      ? undefined
      : new HardwareChallenges({
          channel,
          registry,
          domain,
          artifacts,
          slash,
          settings: options.hardwareChallenges ?? {},
          onVerdict: (provider, verdict) =>
            api.log[verdict.passed ? 'info' : 'warn'](
              { provider, ...verdict, answer: undefined },
              verdict.passed
                ? 'hardware claim verified'
                : `hardware claim challenge failed (${verdict.failure})`,
            ),
        });
  sybil = new SybilWatch({
    registry,
    hardware,
    hostsOf: (peer) => remoteHostsOf(host.libp2p, peer),
    ...(options.sybilScanMs === undefined ? {} : { everyMs: options.sybilScanMs }),
    ...(options.sybilCaps === false ? { caps: false } : {}),
  });
  const unregister = registerCoordinatorHandlers({
    ...(hardware ? { hardware } : {}),
    channel,
    registry,
    dispatcher,
    domain,
    streams,
    erasures,
    leaseKeys,
    mesh,
    ...(stakeRules ? { stakeOf: stakeRules.stakeOf } : {}),
    hello: {
      coordinator: account.address,
      apiUrl,
      chainId: domain.chainId,
      paymentChannels: domain.verifyingContract,
    },
  });

  // The dispatch loop: a pass every tick; a job that arrives is dispatched at once (below).
  let running = false;
  let again = false;
  let stopped = false;
  const pass = async () => {
    if (stopped) return;
    // A job arriving during a pass gets a pass right after it, not a tick later.
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await dispatcher.tick();
        await erasures.retry();
      } while (again && !stopped);
    } catch (error) {
      api.log.error({ err: error }, 'dispatch pass failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(pass, options.tickMs ?? 250);
  const unsubscribe = bus.subscribe((job) => {
    if (isRunOver(job.state)) verification.pinned?.delete(job.id);
    if (job.state !== 'submitted') return dispatcher.ended(job);
    // A new or requeued job goes out at once; one being dispatched right now gets a pass after.
    const dispatching = stopped ? undefined : dispatcher.dispatchSubmitted(job);
    if (dispatching) dispatching.catch((error) => api.log.error({ err: error }, 'dispatch failed'));
    else void pass();
  });

  return {
    address: account.address,
    peerId: host.peerId,
    apiUrl,
    ...(health ? { healthUrl: health.url } : {}),
    p2pAddrs: host.multiaddrs(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      governed?.stop();
      hardware?.stop();
      sybil.stop();
      collusionScan.stop();
      unsubscribe();
      await fl.stop();
      await feedQuality.stop();
      unregister();
      unpunished();
      unmeshed();
      mesh.stop();
      gossip.stop();
      await api.close();
      await health?.close();
      await channel.stop();
      await host.stop();
      while (running) await new Promise((resolve) => setTimeout(resolve, 10));
      await store.close();
    },
  };
}
