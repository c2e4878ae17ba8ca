import { parseWireJson, toWireJson } from '@idlegrid/protocol';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type FlRunState = 'running' | 'completed' | 'failed';

/** One closed round of a federated run, as kept and as `GET /v1/fl/runs/:id` shows it. */
export interface FlRoundRecord {
  round: number;
  /** Providers whose update was taken (and is owed the run's price). */
  participants: { provider: string; examples: number; loss: number | null }[];
  /** Sampled providers that did not answer in time: not paid. */
  dropped: string[];
  /** Participants the client has paid for this round (by voucher, through this coordinator). */
  paid: string[];
  /** Providers whose update was refused, and why (a norm above the clip, a bad signature...). */
  rejected: { provider: string; code: string; reason: string }[];
  /** Providers whose update lay far from the aggregate (robust strategies). */
  outliers: string[];
  /** The participants' mean training loss. */
  loss: number | null;
  /** The client's own measure of this round's model, on its held-out test set, sent with its payment. */
  evaluation?: { accuracy: number; loss: number };
  /** The privacy spent so far (ε at the run's δ), for DP runs. */
  epsilon: number | null;
  startedAt: number;
  closedAt: number;
  /** The participants' signed FlUpdate receipts, wire JSON (evidence, and what payment is for). */
  receipts: string[];
}

export interface StoredFlRun {
  id: string;
  client: string;
  /** The client's signed FlRun as it arrived (wire form parsed back). */
  run: unknown;
  state: FlRunState;
  reason: string | null;
  roundsDone: number;
  /** The global weights after the last closed round, float32 base64. */
  weights: string;
  /** Server state carried between rounds (strategy moments, privacy accountant), JSON-able. */
  serverState: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

type RunRow = Database['fl_runs'];

/** Federated runs and their rounds (migration 013). */
export class FlRunStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a new run; false when a run of that id exists already (a retried submission). */
  async create(run: Omit<StoredFlRun, 'state' | 'reason' | 'roundsDone' | 'updatedAt'>): Promise<boolean> {
    const inserted = await this.db
      .insertInto('fl_runs')
      .values({
        id: run.id,
        client: run.client.toLowerCase(),
        run: toWireJson(run.run),
        state: 'running',
        reason: null,
        rounds_done: 0,
        weights: run.weights,
        strategy_state: JSON.stringify(run.serverState),
        created_at: run.createdAt,
        updated_at: run.createdAt,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(id: string): Promise<StoredFlRun | undefined> {
    const row = await this.db.selectFrom('fl_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? runOf(row) : undefined;
  }

  /** The newest first; a client's only when named. */
  async list(options: { client?: string; state?: FlRunState; limit?: number } = {}): Promise<StoredFlRun[]> {
    let query = this.db.selectFrom('fl_runs').selectAll();
    if (options.client) query = query.where('client', '=', options.client.toLowerCase());
    if (options.state) query = query.where('state', '=', options.state);
    const rows = await query
      .orderBy('created_at', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(runOf);
  }

  /** Keeps a closed round and moves the run past it, at once. */
  async closeRound(
    id: string,
    record: FlRoundRecord,
    weights: string,
    serverState: Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('fl_rounds')
        .values({
          run_id: id,
          round: record.round,
          record: JSON.stringify(record),
          weights,
          closed_at: record.closedAt,
        })
        .execute();
      await trx
        .updateTable('fl_runs')
        .set({
          rounds_done: record.round + 1,
          weights,
          strategy_state: JSON.stringify(serverState),
          updated_at: record.closedAt,
        })
        .where('id', '=', id)
        .execute();
    });
  }

  async finish(id: string, state: Exclude<FlRunState, 'running'>, reason: string | null, at: number) {
    await this.db
      .updateTable('fl_runs')
      .set({ state, reason, updated_at: at })
      .where('id', '=', id)
      .execute();
  }

  async rounds(id: string): Promise<FlRoundRecord[]> {
    const rows = await this.db
      .selectFrom('fl_rounds')
      .select('record')
      .where('run_id', '=', id)
      .orderBy('round')
      .execute();
    return rows.map((row) => JSON.parse(row.record) as FlRoundRecord);
  }

  /** Notes that the client paid `provider` for its update of this round. */
  async markPaid(id: string, round: number, provider: string): Promise<void> {
    await this.#updateRound(id, round, (record) => {
      if (!record.paid.includes(provider)) record.paid.push(provider);
    });
  }

  /** Keeps the client's evaluation of a round's model. */
  async recordEvaluation(id: string, round: number, evaluation: { accuracy: number; loss: number }) {
    await this.#updateRound(id, round, (record) => {
      record.evaluation = evaluation;
    });
  }

  async #updateRound(id: string, round: number, change: (record: FlRoundRecord) => void): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('fl_rounds')
        .select('record')
        .where('run_id', '=', id)
        .where('round', '=', round)
        .executeTakeFirst();
      if (!row) return;
      const record = JSON.parse(row.record) as FlRoundRecord;
      change(record);
      await trx
        .updateTable('fl_rounds')
        .set({ record: JSON.stringify(record) })
        .where('run_id', '=', id)
        .where('round', '=', round)
        .execute();
    });
  }

  async round(id: string, round: number): Promise<FlRoundRecord | undefined> {
    const row = await this.db
      .selectFrom('fl_rounds')
      .select('record')
      .where('run_id', '=', id)
      .where('round', '=', round)
      .executeTakeFirst();
    return row ? (JSON.parse(row.record) as FlRoundRecord) : undefined;
  }

  /** The global weights a round produced (float32 base64). */
  async roundWeights(id: string, round: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('fl_rounds')
      .select('weights')
      .where('run_id', '=', id)
      .where('round', '=', round)
      .executeTakeFirst();
    return row?.weights;
  }
}

function runOf(row: RunRow): StoredFlRun {
  return {
    id: row.id,
    client: row.client,
    run: parseWireJson(row.run),
    state: row.state as FlRunState,
    reason: row.reason,
    roundsDone: Number(row.rounds_done),
    weights: row.weights,
    serverState: JSON.parse(row.strategy_state) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
