import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ONE_TOKEN } from '@idlegrid/contracts';
import {
  ARTIFACT_REQUEST_HEADER,
  IdlegridError,
  isIdlegridError,
  type JobSpec,
  localAccount,
  networkDomain,
  PRIVATE_JOB,
  ReplayGuard,
  signMessage,
  toWireJson,
  verifyCid,
} from '@idlegrid/protocol';
import type { LeaseSecrets } from '@idlegrid/protocol/privacy';
import { connect, loadOrCreateKey, loadPrivateKey, randomNonce, readNetworkConfig } from '@idlegrid/sdk/core';
import { type Address, getAddress, type Hex, isAddress } from 'viem';
import { activeCoordinatorCheck, activeCoordinators } from '../chain/coordinator-registry.js';
import { chainSessionGrants, sessionKeyDelegate } from '../chain/session-keys.js';
import { DatasetRegistry } from '../datasets/dataset-registry.js';
import { type FlParticipant, registerFlHandlers } from '../fl/provider-handlers.js';
import {
  heldVoucherRequestSchema,
  JOB_MESSAGES,
  JOBS_PROTOCOL,
  jobKeysSchema,
  jobPaymentSchema,
  jobRevealSchema,
} from '../jobs/wire.js';
import { createP2PHost } from '../p2p/host.js';
import { accountOfMultiaddr } from '../p2p/identity.js';
import { Libp2pMessageChannel } from '../p2p/libp2p-channel.js';
import type { RunProgress } from '../runtimes/api.js';
import { loadTfjs } from '../runtimes/tfjs/tfjs-loader.js';
import { cachedFileHasher } from '../storage/file-cid-cache.js';
import { Cheater, claimedHardware } from './adversary.js';
import { type AnswerDeliveryDeps, queueAnswer } from './answer-delivery.js';
import type { ProviderDaemon, ProviderEvent, ProviderOptions } from './api.js';
import { ArtifactFetcher } from './artifact-fetcher.js';
import { checkAssignment, parseJobAssign } from './assignment-check.js';
import { isAvailable } from './availability.js';
import { CoordinatorLink } from './coordinator-link.js';
import { EarningsWallet } from './earnings.js';
import { gpuChallengeRunnerFor } from './gpu-challenges.js';
import { detectHardware } from './hardware.js';
import { answerHardwareChallenges } from './hardware-answers.js';
import { JobCoordinators } from './job-coordinators.js';
import { failedOutput, type JobOutput, runJob } from './job-runner.js';
import { type ActiveJob, JobSlots } from './job-slots.js';
import { sampleLoad } from './load.js';
import { ModelRegistry } from './model-registry.js';
import { nonceSource, type OfferTerms } from './offer.js';
import { LeaseKeyInbox, privateArtifacts, sealOutput } from './private-runs.js';
import { ResultOutbox } from './result-outbox.js';
import { type ArtifactAccess, RuntimeSet } from './runtime-set.js';
import { SealedResults } from './sealed-results.js';

/** Starts a provider: joins the coordinator, keeps its offer and heartbeats fresh, runs assigned jobs. */
export async function startProvider(options: ProviderOptions): Promise<ProviderDaemon> {
  const privateKey: Hex = options.privateKey ?? (await keyOf(options.dataDir, options.name ?? 'provider'));
  const account = localAccount(privateKey);
  const network = options.network ?? (await readNetworkConfig(options.dataDir));
  const domain = networkDomain(network.chainId, network.paymentChannels);
  const providerDir = join(options.dataDir, 'provider', account.address);
  // Run directories a crashed run of this provider left behind hold nothing anyone wants.
  await rm(join(providerDir, 'scratch'), { recursive: true, force: true });
  await mkdir(join(providerDir, 'scratch'), { recursive: true });
  // A start overlaps its slow parts: naming the built-in models (hashed at the first start), the
  // registry check of the coordinator, and the p2p key, the transport's start and the dial to the
  // coordinator (CPU, then network round trips).
  const hardwareReady = detectHardware({
    dataDir: options.dataDir,
    ...(options.hardware ? { overrides: options.hardware } : {}),
  }).then((detected) => claimedHardware(detected, options.adversary));
  const modelsReady = options.models ? Promise.resolve(options.models) : ModelRegistry.open(options.dataDir);
  const runtimesReady = Promise.all([hardwareReady, modelsReady]).then(([hardware, models]) =>
    RuntimeSet.create({
      scratchParent: join(providerDir, 'scratch'),
      maxIdleWorkers: hardware.cpuCores,
      models,
      hashFile: cachedFileHasher(join(providerDir, 'file-cids.json')),
    }),
  );
  const earningsReady = EarningsWallet.open(options.dataDir, account.address, domain);
  const datasetsReady = DatasetRegistry.open(options.datasetsDir ?? options.dataDir);
  const local = Promise.all([hardwareReady, modelsReady, runtimesReady, earningsReady, datasetsReady]);
  // Awaited below, once the host is up; a failure before that must not count as unhandled.
  local.catch(() => {});
  const closeRuntimes = () => runtimesReady.then((set) => set.close()).catch(() => {});
  // Only coordinators bonded in the registry are joined and obeyed; it also lists more to join.
  const coordinatorActive = options.chainChecks === false ? undefined : activeCoordinatorCheck(network);
  // The first coordinator's registration is read while the rest starts (a chain round trip);
  // joining it asks the same check again and gets this answer.
  const firstCoordinator = accountOfMultiaddr(options.coordinator);
  if (coordinatorActive && firstCoordinator) coordinatorActive(firstCoordinator).catch(() => {});
  // Set once the link exists (dials before that are the first dial to the configured coordinator).
  let vouchedFor: ((address: string) => boolean) | undefined;
  const host = await createP2PHost({
    privateKey,
    ...(options.listen ? { listen: options.listen } : {}),
    // A slot on the coordinator's relay: the rest of the mesh reaches it there, dialable or not.
    relay: 'client',
    // Its own dials, and libp2p's (relay discovery, DCUtR), go only to coordinators vouched for.
    allowDial: (address) => vouchedFor?.(address) ?? true,
  }).catch(async (error: unknown) => {
    await closeRuntimes();
    throw error;
  });
  const hostStarted = host.start();
  // Only to have the connection up when the hello goes out; `link.join` dials again and reports failures.
  hostStarted.then(() => host.dial(options.coordinator)).catch(() => {});
  let hardware: Awaited<typeof hardwareReady>;
  let models: Awaited<typeof modelsReady>;
  let datasets: DatasetRegistry;
  let runtimes: RuntimeSet;
  let earnings: EarningsWallet;
  try {
    [[hardware, models, runtimes, earnings, datasets]] = await Promise.all([local, hostStarted]);
  } catch (error) {
    await host.stop().catch(() => {});
    await closeRuntimes();
    throw error;
  }
  const fetcher = new ArtifactFetcher({
    cacheDir: join(providerDir, 'cache'),
    // Owned artifacts are served to the providers leased a job naming them: each download says who reads.
    authorize: async (cid) => ({
      [ARTIFACT_REQUEST_HEADER]: toWireJson(
        await signMessage(account, domain, 'ArtifactRequest', {
          requester: account.address,
          action: 'read',
          cid,
          nonce: randomNonce(),
          expiry: BigInt(Math.floor(now().getTime() / 1000) + 300),
        }),
      ),
    }),
  });
  // What this provider runs and serves changes when a model is added while it runs (see tick).
  const offered = () => runtimes.names();
  // Specs and vouchers signed by a client's session key (an API key) are checked on the chain.
  const sessionGrants = chainSessionGrants(network);
  const acceptDelegate = sessionKeyDelegate(sessionGrants);
  const discoverCoordinators = async () =>
    (await activeCoordinators(network)).map((c) => c.p2p).filter((p2p) => p2p.includes('/p2p/'));
  const emit = (event: ProviderEvent) => options.onEvent?.(event);
  const now = options.now ?? (() => new Date());
  const load = options.sampleLoad ?? sampleLoad;
  const nextNonce = nonceSource();
  const maxWallTimeMs = options.maxWallTimeMs ?? 600_000;
  const cheater = options.adversary ? new Cheater(options.adversary) : undefined;
  const leaseKeys = new LeaseKeyInbox({ domain, privateKey, provider: account.address });
  const leaseKeysTimeoutMs = options.leaseKeysTimeoutMs ?? 30_000;
  const terms: OfferTerms = {
    hardware,
    runtimes: offered(),
    models: runtimes.listings(),
    datasets: datasets.listings(),
    pricePerCpuSecond: options.pricePerCpuSecond ?? ONE_TOKEN / 10_000n,
    pricePerGpuSecond: options.pricePerGpuSecond ?? 0n,
    pricePerGbSecond: options.pricePerGbSecond ?? 0n,
    pricePer1kTokens: options.pricePer1kTokens ?? 0n,
    minJobSeconds: options.minJobSeconds ?? 0,
    maxJobSeconds: Math.ceil(maxWallTimeMs / 1000),
    region: options.region ?? '',
    availability: options.availability ?? { kind: 'always' },
    ttlSeconds: options.offerTtlSeconds ?? 600,
  };
  const heartbeatMs = options.heartbeatIntervalMs ?? 5_000;
  const active = new JobSlots(hardware);
  const counts = { run: 0, failed: 0, cancelled: 0 };
  const outbox = new ResultOutbox({
    now: () => now().getTime(),
    onDelivered: ({ jobId, manifest }) => {
      if (manifest.exitCode < 0) counts.failed++;
      else counts.run++;
      emit({ type: 'job.finished', jobId, exitCode: manifest.exitCode, durationMs: manifest.durationMs });
    },
    onDropped: ({ jobId }, reason) => {
      counts.failed++;
      emit({ type: 'job.unreported', jobId, error: reason });
    },
  });
  const sealed = new SealedResults();
  const assignmentGuard = new ReplayGuard();
  let wasAvailable = true;
  let stopped = false;

  const channel = new Libp2pMessageChannel({ name: JOBS_PROTOCOL }, { libp2p: host.libp2p });
  const jobCoordinators = new JobCoordinators();
  /** Who a job's messages go to: the coordinator that assigned it, else the one joined now. */
  const coordinatorPeerOf = (jobId: string) => jobCoordinators.get(jobId)?.peer ?? link.peer;
  /** Who may speak for a job: its coordinator, or the one joined now (in a cluster, its owner's survivor). */
  const speaksFor = (peer: string, jobId: string) => peer === link.peer || peer === coordinatorPeerOf(jobId);
  const answers: AnswerDeliveryDeps = {
    signer: account,
    domain,
    nextNonce,
    now,
    outbox,
    sealed,
    request: async (jobId, type, body) => {
      const peer = coordinatorPeerOf(jobId);
      try {
        return await channel.request(peer, type, body);
      } catch (error) {
        // The coordinator that assigned it is gone: the one joined now may take the answer (in a
        // cluster it shares the job's store). With separate stores it refuses it, and the answer
        // waits in the outbox for the assigning coordinator to come back, restarted.
        const gone = isIdlegridError(error, 'P2P_UNREACHABLE') || isIdlegridError(error, 'P2P_TIMEOUT');
        if (peer === link.peer || !gone) throw error;
        return channel.request(link.peer, type, body).catch(() => {
          throw error;
        });
      }
    },
    // A coordinator joined again may serve its API elsewhere after a restart: the hello says where.
    apiUrl: (jobId) => {
      const assigned = jobCoordinators.get(jobId);
      return assigned?.throughMesh ? assigned.apiUrl : (link.hello?.apiUrl ?? assigned?.apiUrl);
    },
  };
  const link = new CoordinatorLink({
    signer: account,
    domain,
    terms,
    host,
    channel,
    coordinatorAddrs: [options.coordinator, ...(options.fallbackCoordinators ?? [])],
    ...(coordinatorActive ? { coordinatorActive, discover: discoverCoordinators } : {}),
    nextNonce,
    now,
    load,
    heldJobs: () => [...new Set([...active.ids(), ...outbox.ids(), ...sealed.ids(now().getTime())])],
    runningJobs: () => active.size,
    emit,
  });
  vouchedFor = (address) => link.vouchesFor(address);
  const availableNow = () =>
    isAvailable(terms.availability, {
      now: now(),
      load1: load().load1,
      cores: hardware.cpuCores,
      ownBusyCores: active.busyCores(),
    });

  /** One beat of the loop: reconnect if needed, heartbeat, and refresh the offer while available. */
  async function tick(): Promise<void> {
    try {
      if (!link.hello) await link.join();
      await link.heartbeat();
      const modelsChanged = await refreshModels();
      const datasetsChanged = await refreshDatasets();
      const available = availableNow();
      if (available !== wasAvailable) emit({ type: 'availability', available });
      // At once when availability returns, or the models or datasets changed.
      if (available) await link.refreshOffer(!wasAvailable || modelsChanged || datasetsChanged, heartbeatMs);
      wasAvailable = available;
      void outbox.retry();
      jobCoordinators.prune(now().getTime());
    } catch (error) {
      link.hello = undefined;
      emit({ type: 'disconnected', error: messageOf(error) });
    }
  }

  /** Picks up `idlegrid model add` (or remove) run while this provider runs; true when the offer changes. */
  async function refreshModels(): Promise<boolean> {
    if (!(await models.reload().catch(() => false))) return false;
    await runtimes.refresh();
    terms.runtimes = offered();
    terms.models = runtimes.listings();
    return true;
  }

  /** Picks up `idlegrid data add` (or remove) run while this provider runs; true when the offer changes. */
  async function refreshDatasets(): Promise<boolean> {
    if (!(await datasets.reload().catch(() => false))) return false;
    terms.datasets = datasets.listings();
    return true;
  }

  async function execute(
    jobId: string,
    job: ActiveJob,
    spec: JobSpec,
    apiUrl: string,
    commitReveal: boolean,
    inputs: Record<string, string> = {},
  ) {
    const { signal } = job.controller;
    emit({ type: 'job.started', jobId });
    try {
      // Inputs sent with the assignment are used as they came once they match their CIDs; any other is downloaded.
      const inline = inlineInputsOf(inputs);
      const artifacts: ArtifactAccess = {
        bytes: (cid, signal) => {
          const bytes = inline.get(cid);
          return bytes ? Promise.resolve(bytes) : fetcher.fetch(apiUrl, cid, { signal });
        },
        file: async (cid, signal) => {
          await fetcher.fetch(apiUrl, cid, { signal });
          return fetcher.store.path(cid);
        },
      };
      // Streamed text goes out in order, and all of it before the answer.
      let streamed = Promise.resolve();
      const onProgress = (progress: RunProgress) => {
        streamed = streamed
          .then(() => channel.send(coordinatorPeerOf(jobId), JOB_MESSAGES.progress, { jobId, ...progress }))
          .catch(() => {});
      };
      const output = await produceOutput(jobId, spec, artifacts, signal, onProgress);
      await streamed;
      const { delivered } = await queueAnswer(answers, { jobId, spec, output, commitReveal, apiUrl });
      // The run is over: its cores are free while the outbox delivers the result.
      active.release(jobId);
      await delivered;
    } catch (error) {
      if (job.cancelled || signal.aborted) {
        counts.cancelled++;
        emit({ type: 'job.cancelled', jobId });
      } else {
        counts.failed++;
        emit({ type: 'job.unreported', jobId, error: messageOf(error) });
      }
    } finally {
      active.release(jobId);
      leaseKeys.discard(jobId);
    }
  }

  /**
   * Runs the job: a private one once its client's keys came, reading its inputs opened in memory,
   * its outputs sealed to the client. A private lease whose keys never come ends as a failed run.
   */
  async function produceOutput(
    jobId: string,
    spec: JobSpec,
    artifacts: ArtifactAccess,
    signal: AbortSignal,
    onProgress: (progress: RunProgress) => void,
  ): Promise<JobOutput> {
    let secrets: LeaseSecrets | undefined;
    if (isPrivate(spec)) {
      try {
        secrets = await leaseKeys.waitFor(jobId, signal, leaseKeysTimeoutMs);
      } catch (error) {
        if (signal.aborted) throw error;
        return failedOutput(jobId, error, 0); // nothing ran
      }
    }
    const ran =
      (await cheater?.instead(spec.jobId)) ??
      (await runJob({
        spec,
        artifacts: secrets ? privateArtifacts(artifacts, secrets) : artifacts,
        runtimes,
        signal,
        maxWallTimeMs,
        // A private run's partial output would reach the coordinator in the clear.
        ...(secrets ? {} : { onProgress }),
      }));
    const output = cheater ? await cheater.tamper(ran) : ran;
    return secrets ? sealOutput(output, secrets) : output;
  }

  let flParticipant: Promise<FlParticipant> | undefined;
  const loadFlParticipant = async (): Promise<FlParticipant> => {
    const [{ FlTrainer }, { FlSecAggSessions }] = await Promise.all([
      import('../fl/provider-trainer.js'),
      import('../fl/provider-secagg.js'),
    ]);
    const trainer = new FlTrainer({
      account,
      domain,
      datasets,
      tf: async () => (await loadTfjs()).tf,
      nextNonce,
      now,
      ...(options.adversary?.kind === 'poison' ? { poison: options.adversary.mode } : {}),
    });
    const secAgg = new FlSecAggSessions({
      trainer,
      privateKey,
      domain,
      now: () => now().getTime(),
      dropAfterShares: options.adversary?.kind === 'fl-drop',
    });
    return { trainer, secAgg };
  };
  registerFlHandlers({
    channel,
    participant: () => {
      flParticipant ??= loadFlParticipant();
      return flParticipant;
    },
    trusted: async (from) =>
      from.id === link.peer || (coordinatorActive !== undefined && (await coordinatorActive(from.address))),
    available: availableNow,
    emit,
  });

  channel.handle(JOB_MESSAGES.ping, () => ({}));
  const gpu = gpuChallengeRunnerFor(hardware, options.adversary, (error) =>
    emit({ type: 'error', where: 'gpu-challenge', error }),
  );
  answerHardwareChallenges({
    channel,
    account,
    domain,
    nextNonce,
    gpu,
    trusted: (from) => from.id === link.peer,
    onAnswered: (challengeId, ms) => emit({ type: 'hardware.challenged', challengeId, ms: Math.round(ms) }),
  });
  channel.handle(JOB_MESSAGES.assign, async ({ from, body }) => {
    let jobId: string | undefined;
    try {
      const parsed = parseJobAssign(body);
      const hello = link.hello;
      const joined = hello !== undefined && from.id === link.peer;
      // Another coordinator of the mesh may place work here through the one joined, once the
      // registry says it is registered (checked with the assignment): only with the chain.
      const meshPeer = !joined && coordinatorActive !== undefined && parsed.apiUrl !== undefined;
      if (!joined && !meshPeer)
        throw new IdlegridError(
          'ASSIGNMENT_INVALID',
          'assignments are accepted only from the coordinator we joined, or a registered one of its mesh',
        );
      const apiUrl = joined ? hello.apiUrl : parsed.apiUrl!;
      jobId = (parsed.spec.message as { jobId?: string }).jobId;
      if (jobId && active.has(jobId)) return { accepted: true };
      const checked = await checkAssignment(parsed, {
        domain,
        coordinator: joined ? (hello.coordinator as Address) : from.address,
        provider: account.address,
        replayGuard: assignmentGuard,
        runtimes: offered(),
        acceptDelegate,
        ...(coordinatorActive ? { coordinatorActive } : {}),
      });
      if (!availableNow())
        throw new IdlegridError('PROVIDER_UNAVAILABLE', "outside this provider's availability");
      const job = active.take(checked.spec.jobId, Math.max(1, checked.spec.cpuCores), checked.spec.memoryMb);
      jobCoordinators.add(checked.spec.jobId, {
        peer: from.id,
        apiUrl,
        throughMesh: meshPeer,
        until: Number(checked.spec.deadline) * 1000,
      });
      if (isPrivate(checked.spec)) leaseKeys.expect(checked.spec.jobId, checked.spec.client);
      void execute(checked.spec.jobId, job, checked.spec, apiUrl, parsed.commitReveal, parsed.inputs);
      return { accepted: true };
    } catch (error) {
      const code = isIdlegridError(error) ? error.code : 'INTERNAL';
      emit({ type: 'job.refused', jobId, code, reason: messageOf(error) });
      return { accepted: false, reason: `${code}: ${messageOf(error)}` };
    }
  });

  channel.handle(JOB_MESSAGES.cancel, ({ from, body }) => {
    const jobId = (body as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId !== 'string' || !speaksFor(from.id, jobId)) return;
    outbox.discard(jobId.toLowerCase());
    sealed.discard(jobId.toLowerCase());
    const job = active.get(jobId);
    if (!job) return;
    job.cancelled = true;
    job.controller.abort(new IdlegridError('ABORTED', `job ${jobId} cancelled by the coordinator`));
  });

  channel.handle(JOB_MESSAGES.keys, async ({ from, body }) => {
    const parsed = jobKeysSchema.safeParse(body);
    const jobId = (parsed.data?.keys.message as { jobId?: unknown } | undefined)?.jobId;
    if (!parsed.success || typeof jobId !== 'string' || !speaksFor(from.id, jobId))
      throw new IdlegridError('MESSAGE_INVALID', "expected { keys } from the job's coordinator");
    await leaseKeys.accept(parsed.data.keys);
    return { accepted: true };
  });

  // The owner erased an artifact this provider was given: its cached copy goes, and a signed receipt says so.
  channel.handle(JOB_MESSAGES.erase, async ({ from, body }) => {
    const cid = (body as { cid?: unknown } | null)?.cid;
    if (from.id !== link.peer || typeof cid !== 'string')
      throw new IdlegridError('MESSAGE_INVALID', 'expected { cid } from our coordinator');
    await fetcher.erase(cid);
    const erasedAt = now().getTime();
    emit({ type: 'artifact.erased', cid });
    const receipt = await signMessage(account, domain, 'ErasureReceipt', {
      provider: account.address,
      cid,
      erasedAt: BigInt(erasedAt),
      nonce: nextNonce(),
      expiry: BigInt(Math.floor(erasedAt / 1000) + 3_600),
    });
    return { receipt };
  });

  channel.handle(JOB_MESSAGES.reveal, async ({ from, body }) => {
    const parsed = jobRevealSchema.safeParse(body);
    if (!parsed.success || !speaksFor(from.id, parsed.data.jobId))
      throw new IdlegridError('MESSAGE_INVALID', "expected { jobId } from the job's coordinator");
    if (cheater?.withholdsReveals)
      throw new IdlegridError('RESULT_INVALID', `answer to ${parsed.data.jobId} withheld`);
    return sealed.reveal(parsed.data.jobId);
  });

  channel.handle(JOB_MESSAGES.payment, async ({ body }) => {
    const parsed = jobPaymentSchema.safeParse(body);
    if (!parsed.success) throw new IdlegridError('MESSAGE_INVALID', 'expected { voucher }');
    const { client, increase } = await earnings.accept(parsed.data.voucher, acceptDelegate);
    emit({ type: 'payment', client, increase });
    if (options.redeemThreshold !== undefined) {
      const threshold = options.redeemThreshold;
      void earnings
        .redeemIfDue(connect(network, account), threshold)
        .then((redemption) => redemption && emit({ type: 'redeemed', redemption }))
        .catch((error: unknown) => emit({ type: 'error', where: 'redeem', error: messageOf(error) }));
    }
    return { accepted: true };
  });

  // Coordinators of the mesh ask what this provider was paid last by a client, so that a voucher
  // sent through one coordinator builds on one sent through another.
  channel.handle(JOB_MESSAGES.heldVoucher, async ({ from, body }) => {
    const parsed = heldVoucherRequestSchema.safeParse(body);
    const fromCoordinator =
      from.id === link.peer || (coordinatorActive !== undefined && (await coordinatorActive(from.address)));
    if (!parsed.success || !isAddress(parsed.data.client) || !fromCoordinator)
      throw new IdlegridError('MESSAGE_INVALID', 'expected { client } from a coordinator');
    return { voucher: earnings.held(getAddress(parsed.data.client)) ?? null };
  });

  // A lost connection to the coordinator (it restarted) means saying hello again on the
  // next tick: a new coordinator process knows nothing of this provider.
  host.libp2p.addEventListener('peer:disconnect', (event) => {
    if (event.detail.toString() === link.peer) link.hello = undefined;
  });
  await channel.start();
  let timer: NodeJS.Timeout | undefined;
  try {
    await link.join();
  } catch (error) {
    await channel.stop();
    await host.stop();
    throw error;
  }
  wasAvailable = availableNow();
  const loop = async () => {
    await tick();
    if (!stopped) timer = setTimeout(loop, heartbeatMs);
  };
  void loop();

  return {
    address: account.address,
    peerId: host.peerId,
    multiaddrs: () => host.multiaddrs(),
    hardware,
    earnings,
    stats: () => ({
      jobsRun: counts.run,
      jobsFailed: counts.failed,
      jobsCancelled: counts.cancelled,
      activeJobs: active.size,
      available: availableNow(),
      connected: link.hello !== undefined,
      earnings: earnings.summary(),
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      active.abortAll(new IdlegridError('ABORTED', 'the provider is stopping'));
      await channel.stop();
      await host.stop();
      await runtimes.close();
      await gpu?.close();
    },
  };
}

/** The inputs of a `job.assign` whose bytes match their CIDs (a mismatch is left out, and downloaded instead). */
function inlineInputsOf(inputs: Record<string, string>): Map<string, Uint8Array> {
  const matching = new Map<string, Uint8Array>();
  for (const [cid, base64] of Object.entries(inputs)) {
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    try {
      verifyCid(cid, bytes);
      matching.set(cid, bytes);
    } catch {
      // not what it claims to be
    }
  }
  return matching;
}

async function keyOf(dataDir: string, name: string): Promise<Hex> {
  await loadOrCreateKey(dataDir, name);
  return loadPrivateKey(dataDir, name);
}

function isPrivate(spec: JobSpec): boolean {
  return spec.privacy === PRIVATE_JOB;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
