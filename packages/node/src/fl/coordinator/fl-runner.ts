import {
  type FlRun,
  type FlSettings,
  IdlegridError,
  isIdlegridError,
  type NetworkDomain,
  parseMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type Address, getAddress } from 'viem';
import type { DepositCheck } from '../../coordinator/deposit-check.js';
import type { PaymentForwarder } from '../../coordinator/payment-forwarder.js';
import type { ProviderEntry, ProviderRegistry } from '../../coordinator/provider-registry.js';
import type { Slasher } from '../../coordinator/punishment.js';
import type { MessageChannel } from '../../p2p/api.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { FlRoundRecord, FlRunStore, StoredFlRun } from '../../store/fl-run-store.js';
import {
  aggregateRound,
  aggregateSum,
  type StrategySettings,
  type StrategyState,
  strategyOf,
} from '../aggregation/strategy.js';
import { bundleWithWeights, decodeUpdate, encodeUpdate, flatWeightsOf } from '../bundle-weights.js';
import { settingsOf } from '../provider-trainer.js';
import { centrallyNoisedSum, secAggRange } from '../round-noise.js';
import { shuffle } from '../seeded-random.js';
import { FL_MESSAGES, type FlTrainRequest } from '../wire.js';
import { collectUpdates } from './round-collector.js';
import { type PrivacyState, RunPrivacy } from './run-privacy.js';
import { secureRound } from './secure-round.js';
import {
  type CheckedUpdate,
  checkUpdate,
  type FlUpdateEvidence,
  flEvidenceBytes,
  flEvidenceHash,
} from './update-check.js';

/** The largest model bundle a run takes: it travels in one p2p frame to every participant. */
export const MAX_FL_MODEL_BYTES = 700 * 1024;
/** How long a run waits for its client to pay a round before it stops (at least a round's timeout). */
const UNPAID_WAIT_MS = 60_000;
/** How often a round short of providers (or of payment) looks again. */
const WAIT_FOR_PROVIDERS_MS = 1_000;

export interface FlRunnerDeps {
  store: FlRunStore;
  artifacts: Pick<ArtifactStore, 'bytes' | 'put'>;
  registry: ProviderRegistry;
  channel: MessageChannel;
  domain: NetworkDomain;
  slash?: Slasher | undefined;
  /** Refuses a run whose client's deposit cannot pay every update it may take (with the chain). */
  depositCheck?: DepositCheck;
  /** Relays the client's vouchers for a round's updates (without it runs are not paid through here). */
  payments?: Pick<PaymentForwarder, 'relay'>;
  now: () => number;
  random?: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A run as the API shows it. */
export interface FlRunView {
  id: string;
  client: string;
  state: StoredFlRun['state'];
  reason: string | null;
  modelCid: string;
  dataset: string;
  settings: FlSettings;
  pricePerUpdate: string;
  deadline: number;
  roundsDone: number;
  rounds: FlRoundRecord[];
  createdAt: number;
  updatedAt: number;
}

/** What a round gave, in either mode. */
interface RoundOutcome {
  global: Float32Array;
  outliers: string[];
  participants: { provider: string; examples: number; loss: number | null; receipt: unknown }[];
  dropped: string[];
  rejected: FlRoundRecord['rejected'];
}

interface ActiveRun {
  stored: StoredFlRun;
  run: FlRun;
  settings: FlSettings;
  bundle: Uint8Array;
}

/**
 * Runs federated runs (docs/federated.md): each round it samples providers that hold the run's
 * dataset, sends them the global model, takes the updates that check, aggregates them by the
 * run's strategy and keeps the round, so that a restarted coordinator resumes at the last one.
 */
export class FlRunner {
  readonly #loops = new Map<string, Promise<void>>();
  readonly #stopping = new AbortController();

  constructor(private readonly deps: FlRunnerDeps) {}

  /** Takes a client's signed FlRun (idempotent by its runId) and starts it. */
  async submit(input: unknown): Promise<FlRunView> {
    const { message: run } = await verifySignedMessage(this.deps.domain, input, { kind: 'FlRun' });
    const settings = settingsOf(run);
    if (Number(run.deadline) * 1000 <= this.deps.now())
      throw new IdlegridError('FL_RUN_INVALID', 'the run deadline has passed');
    const bundle = await this.deps.artifacts.bytes(run.modelCid);
    if (bundle.byteLength > MAX_FL_MODEL_BYTES)
      throw new IdlegridError('FL_RUN_INVALID', `the model bundle is over ${MAX_FL_MODEL_BYTES} bytes`);
    const weights = flatWeightsOf(bundle);
    // Told at once, as a job nobody can take is: a run waits for stragglers, not for a dataset
    // that is held nowhere.
    const holders = this.#candidates(run.dataset, this.deps.now()).length;
    if (holders < settings.minClients)
      throw new IdlegridError(
        'FL_NO_PROVIDERS',
        `${holders} providers online here hold ${run.dataset}; the run needs ${settings.minClients} each round`,
        { details: { dataset: run.dataset, holders, minClients: settings.minClients } },
      );
    // Checked for the whole run up front: providers must never train rounds nobody can pay for.
    await this.deps.depositCheck?.(
      run.client,
      BigInt(settings.rounds) * BigInt(settings.clientsPerRound) * run.pricePerUpdate,
    );
    const id = run.runId.toLowerCase();
    await this.deps.store.create({
      id,
      client: run.client,
      run: input,
      weights: encodeUpdate(weights),
      serverState: {},
      createdAt: this.deps.now(),
    });
    this.#start(id);
    return this.view(id);
  }

  async view(id: string): Promise<FlRunView> {
    const stored = await this.deps.store.get(id.toLowerCase());
    if (!stored) throw new IdlegridError('FL_RUN_NOT_FOUND', `no federated run ${id}`, { details: { id } });
    return viewOf(stored, await this.deps.store.rounds(stored.id));
  }

  async list(client?: string): Promise<FlRunView[]> {
    const runs = await this.deps.store.list(client ? { client } : {});
    return runs.map((stored) => viewOf(stored, []));
  }

  /** The global model after `round` (the latest by default), as a bundle. */
  async model(id: string, round?: number): Promise<Uint8Array> {
    const active = await this.#load(id.toLowerCase());
    const weights =
      round === undefined
        ? active.stored.weights
        : await this.deps.store.roundWeights(active.stored.id, round);
    if (weights === undefined)
      throw new IdlegridError('FL_RUN_NOT_FOUND', `run ${id} has no round ${round}`, {
        details: { id, round },
      });
    return bundleWithWeights(active.bundle, decodeUpdate(weights));
  }

  /**
   * The client pays for a closed round: one voucher per participant not yet paid, each adding the
   * run's price per update. A dropped or refused provider is owed nothing. The client may add its
   * evaluation of the round's model on its own test set (the dashboard's accuracy curve).
   */
  async payRound(
    id: string,
    round: number,
    body: { vouchers?: unknown; evaluation?: { accuracy: number; loss: number } } | undefined,
  ): Promise<FlRoundRecord> {
    const view = await this.view(id);
    const record = view.rounds.find((r) => r.round === round);
    if (!record)
      throw new IdlegridError('FL_RUN_NOT_FOUND', `run ${id} has no closed round ${round}`, {
        details: { id, round },
      });
    if (!this.deps.payments)
      throw new IdlegridError('INVALID_ARGUMENT', 'this coordinator relays no payments');
    const owed = record.participants
      .filter((p) => !record.paid.includes(p.provider))
      .map((p) => ({ provider: p.provider as Address, amount: view.pricePerUpdate }));
    await this.deps.payments.relay(view.client as Address, owed, body, {}, (provider) =>
      this.deps.store.markPaid(view.id, round, provider),
    );
    // Taken only with fresh vouchers of the client (each checked as its, above what it paid before):
    // its measure of the round's model. A replayed voucher cannot carry someone else's.
    if (body?.evaluation && owed.length > 0)
      await this.deps.store.recordEvaluation(view.id, round, body.evaluation);
    return (await this.view(id)).rounds.find((r) => r.round === round)!;
  }

  /** Starts again every run left running (a restart resumes at the last closed round). */
  async resume(): Promise<void> {
    for (const stored of await this.deps.store.list({ state: 'running', limit: 1_000 }))
      this.#start(stored.id);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await Promise.allSettled(this.#loops.values());
  }

  #start(id: string): void {
    if (this.#loops.has(id) || this.#stopping.signal.aborted) return;
    const loop = this.#loop(id).finally(() => this.#loops.delete(id));
    this.#loops.set(id, loop);
  }

  /** The run as stored now; its model bundle read from the artifacts unless given (it never changes). */
  async #load(id: string, bundle?: Uint8Array): Promise<ActiveRun> {
    const stored = await this.deps.store.get(id);
    if (!stored) throw new IdlegridError('FL_RUN_NOT_FOUND', `no federated run ${id}`, { details: { id } });
    // Its signature was checked when it was submitted; read back, it is held to its deadline.
    const run = parseMessage('FlRun', (stored.run as { message: unknown }).message);
    return {
      stored,
      run,
      settings: settingsOf(run),
      bundle: bundle ?? (await this.deps.artifacts.bytes(run.modelCid)),
    };
  }

  async #loop(id: string): Promise<void> {
    const signal = this.#stopping.signal;
    let attempt = 0;
    let bundle: Uint8Array | undefined;
    while (!signal.aborted) {
      let active: ActiveRun;
      try {
        active = await this.#load(id, bundle);
        bundle = active.bundle;
      } catch (error) {
        this.deps.log?.('federated run cannot load', { id, error: String(error) });
        return;
      }
      const { stored, run, settings } = active;
      if (stored.state !== 'running') return;
      const now = this.deps.now();
      if (stored.roundsDone >= settings.rounds) {
        await this.deps.store.finish(id, 'completed', null, now);
        return;
      }
      if (Number(run.deadline) * 1000 <= now) {
        const holders = this.#candidates(run.dataset, now).length;
        await this.deps.store.finish(
          id,
          'failed',
          holders < settings.minClients
            ? `FL_NO_PROVIDERS: the deadline passed after ${stored.roundsDone} rounds, with ${holders} providers online holding ${run.dataset} (${settings.minClients} needed)`
            : `FL_DEADLINE_PASSED: the deadline passed after ${stored.roundsDone} rounds`,
          now,
        );
        return;
      }
      try {
        const closed = await this.#round(active, attempt, signal);
        attempt = closed ? 0 : attempt + 1;
      } catch (error) {
        if (signal.aborted) return;
        const code = isIdlegridError(error) ? error.code : 'INTERNAL';
        await this.deps.store.finish(id, 'failed', `${code}: ${(error as Error).message}`, this.deps.now());
        return;
      }
    }
  }

  /** One round; false when too few updates came to close it (it is tried again with a new sample). */
  async #round(active: ActiveRun, attempt: number, signal: AbortSignal): Promise<boolean> {
    const { stored, run, settings } = active;
    const round = stored.roundsDone;
    const startedAt = this.deps.now();
    if (await this.#clientStoppedPaying(active, startedAt, signal)) return false;
    const candidates = this.#candidates(run.dataset, startedAt);
    if (candidates.length < settings.minClients) {
      await sleep(WAIT_FOR_PROVIDERS_MS, signal);
      return false;
    }
    const sample = shuffle([...candidates], this.deps.random ?? Math.random).slice(
      0,
      settings.clientsPerRound,
    );
    const state = stored.serverState as StrategyState & { privacy?: PrivacyState };
    const privacy = settings.dp ? new RunPrivacy({ ...settings, dp: settings.dp }, state.privacy) : undefined;
    if (privacy && settings.dp) {
      const planned = sample.map((entry) => ({
        provider: entry.address,
        examples: datasetCount(entry.offer.datasets, run.dataset),
      }));
      const after = privacy.epsilonAfter(planned, candidates.length);
      if (after > settings.dp.epsilon) {
        await this.deps.store.finish(
          stored.id,
          'completed',
          `FL_BUDGET_EXHAUSTED: round ${round} would bring ε to ${after.toFixed(3)}, above the budget of ${settings.dp.epsilon}; the model of round ${round - 1} is final`,
          this.deps.now(),
        );
        return false;
      }
    }
    const global = decodeUpdate(stored.weights);
    const request: FlTrainRequest = {
      run: stored.run as FlTrainRequest['run'],
      round,
      model: Buffer.from(bundleWithWeights(active.bundle, global)).toString('base64'),
      seed: round * 1_000 + attempt,
    };
    const timeoutMs = settings.roundTimeoutSeconds * 1000;
    const strategy = strategyOf(settings);

    let outcome: RoundOutcome | undefined;
    if (settings.secureAggregation) {
      const secure = await secureRound({
        channel: this.deps.channel,
        domain: this.deps.domain,
        now: this.deps.now,
        signal,
        timeoutMs,
        run: { signed: stored.run, runId: run.runId, clipNorm: settings.clipNorm },
        range: secAggRange(settings),
        round,
        attempt,
        sample,
        minClients: settings.minClients,
        train: request,
        vectorLength: global.length,
        maxExamples: (entry) => datasetCount(entry.offer.datasets, run.dataset),
      });
      if (secure)
        outcome = {
          ...secure,
          global: aggregateSum(strategy, state, global, secure.sum, secure.participants.length),
          outliers: [],
        };
    } else outcome = await this.#plainRound(active, request, sample, strategy, signal);
    if (!outcome || signal.aborted) return false;
    const { participants: updates, outliers } = outcome;
    const now = this.deps.now();
    for (const { provider } of updates)
      this.deps.registry.recordOutcome(
        provider as Address,
        outliers.includes(provider) ? 'failed' : 'completed',
        now,
      );
    const losses = updates.map((u) => u.loss).filter((loss): loss is number => loss !== null);
    const record: FlRoundRecord = {
      round,
      participants: updates.map(({ provider, examples, loss }) => ({ provider, examples, loss })),
      dropped: outcome.dropped,
      paid: [],
      rejected: outcome.rejected,
      outliers,
      loss: losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : null,
      epsilon: privacy
        ? privacy.spend(
            updates.map(({ provider, examples }) => ({ provider, examples })),
            candidates.length,
          )
        : null,
      startedAt,
      closedAt: now,
      receipts: updates.map((u) =>
        JSON.stringify(u.receipt, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
      ),
    };
    if (privacy) state.privacy = privacy.toState();
    await this.deps.store.closeRound(stored.id, record, encodeUpdate(outcome.global), { ...state });
    this.deps.log?.('federated round closed', {
      run: stored.id,
      round,
      participants: updates.length,
      dropped: outcome.dropped.length,
    });
    return true;
  }

  /** A round in the clear: each update is checked (its norm convicts), then aggregated robustly if asked. */
  async #plainRound(
    active: ActiveRun,
    request: FlTrainRequest,
    sample: readonly ProviderEntry[],
    strategy: StrategySettings,
    signal: AbortSignal,
  ): Promise<RoundOutcome | undefined> {
    const { stored, run, settings } = active;
    const global = decodeUpdate(stored.weights);
    const timeoutMs = settings.roundTimeoutSeconds * 1000;
    const requests = sample.map((entry) => ({
      provider: entry.address,
      answer: this.deps.channel
        .request(entry.peer, FL_MESSAGES.train, request, { timeoutMs, signal })
        .then((answer) =>
          checkUpdate(this.deps.domain, {
            run: { signed: stored.run, runId: run.runId, clipNorm: settings.clipNorm },
            round: request.round,
            provider: entry.address,
            answer,
            length: global.length,
            maxExamples: datasetCount(entry.offer.datasets, run.dataset),
          }),
        ),
    }));
    const collected = await collectUpdates<CheckedUpdate>(requests, {
      minimum: settings.minClients,
      timeoutMs,
      now: this.deps.now,
      signal,
    });
    if (signal.aborted) return undefined;
    const rejected: FlRoundRecord['rejected'] = [];
    for (const [provider, error] of collected.failures) {
      const code = isIdlegridError(error) ? error.code : 'INTERNAL';
      rejected.push({ provider, code, reason: (error as Error).message });
      const evidence = isIdlegridError(error)
        ? (error.details as { evidence?: FlUpdateEvidence } | undefined)?.evidence
        : undefined;
      if (evidence) await this.#convict(provider as Address, run, evidence);
    }
    const updates = [...collected.answers.values()];
    if (updates.length < settings.minClients) return undefined;
    const state = stored.serverState as StrategyState;
    if (settings.dp?.level === 'client')
      return {
        global: aggregateSum(strategy, state, global, centrallyNoisedSum(updates, settings), updates.length),
        outliers: [],
        participants: updates,
        dropped: collected.dropped,
        rejected,
      };
    const aggregate = aggregateRound(
      strategy,
      state,
      global,
      updates.map(({ provider, update, examples }) => ({ client: provider, update, examples })),
    );
    return {
      global: aggregate.global,
      outliers: aggregate.outliers,
      participants: updates,
      dropped: collected.dropped,
      rejected,
    };
  }

  /**
   * Providers train a round only while the client pays: round r waits until round r − 2 is paid
   * (one round of slack, paid while the next runs), and a run whose client stopped paying (gone,
   * Ctrl-C) ends instead of training for nobody. True when the round must not start now.
   */
  async #clientStoppedPaying(active: ActiveRun, now: number, signal: AbortSignal): Promise<boolean> {
    const { stored, settings } = active;
    if (stored.roundsDone < 2) return false;
    const record = await this.deps.store.round(stored.id, stored.roundsDone - 2);
    if (!record || record.participants.every((p) => record.paid.includes(p.provider))) return false;
    const waitMs = Math.max(UNPAID_WAIT_MS, settings.roundTimeoutSeconds * 1000);
    if (now - record.closedAt > waitMs) {
      await this.deps.store.finish(
        stored.id,
        'failed',
        `PAYMENT_INSUFFICIENT: round ${record.round}'s updates are still unpaid ${Math.round(waitMs / 1000)} s after it closed: the client stopped paying, so the run stopped`,
        now,
      );
      return true;
    }
    await sleep(WAIT_FOR_PROVIDERS_MS, signal);
    return true;
  }

  /** Providers online here that hold the dataset, not suspended. */
  #candidates(dataset: string, now: number) {
    return this.deps.registry
      .list()
      .filter(
        (entry) =>
          entry.via === undefined &&
          this.deps.registry.isOnline(entry.address, now) &&
          !this.deps.registry.isSuspended(entry.address, now) &&
          datasetCount(entry.offer.datasets, dataset) > 0,
      );
  }

  /** An update above the clip: the provider signed it, so it is slashed with it as evidence. */
  async #convict(provider: Address, run: FlRun, evidence: FlUpdateEvidence): Promise<void> {
    const now = this.deps.now();
    this.deps.registry.recordOutcome(provider, 'disputeLost', now);
    const stored = await this.deps.artifacts.put(flEvidenceBytes(evidence));
    const evidenceHash = flEvidenceHash(evidence);
    let transaction: string | undefined;
    try {
      transaction = await this.deps.slash?.({
        provider,
        jobValue: run.pricePerUpdate,
        evidenceHash,
        challenger: '0x0000000000000000000000000000000000000000',
      });
    } catch (error) {
      this.deps.log?.('federated slash failed', { provider, error: String(error) });
    }
    this.deps.registry.punished({ provider, reason: 'fl-update-above-clip', evidenceHash });
    this.deps.log?.('federated update convicted', { provider, evidence: stored.cid, transaction });
  }
}

/** The record count an offer lists for a dataset (`name:count:shape`), 0 when it lists none. */
export function datasetCount(listings: readonly string[], dataset: string): number {
  const listing = listings.find((entry) => entry.startsWith(`${dataset}:`));
  return listing ? Number(listing.split(':')[1]) || 0 : 0;
}

function viewOf(stored: StoredFlRun, rounds: FlRoundRecord[]): FlRunView {
  const run = (stored.run as { message: Record<string, unknown> }).message;
  return {
    id: stored.id,
    client: getAddress(stored.client),
    state: stored.state,
    reason: stored.reason,
    modelCid: String(run.modelCid),
    dataset: String(run.dataset),
    settings: settingsOf({ settings: String(run.settings) }),
    pricePerUpdate: String(run.pricePerUpdate),
    deadline: Number(run.deadline),
    roundsDone: stored.roundsDone,
    rounds,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
