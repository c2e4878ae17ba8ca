import { canonicalJson, IdlegridError } from '@idlegrid/protocol';
import { type Dialect, Kysely } from 'kysely';
import type { Address } from 'viem';
import type {
  ComparedOutcomes,
  JobEvent,
  JobFilter,
  JobRecord,
  JobRun,
  JobStore,
  NewJob,
  TransitionOptions,
} from '../jobs/api.js';
import { assertTransition, type JobState } from '../jobs/job-states.js';
import { GroupCommit } from './group-commit.js';
import { JobRecordCache } from './job-record-cache.js';
import { eventFromRow, type JobRow, jobFromRow, jobToRow, runFromRow, runToRow } from './job-rows.js';
import { migrateToLatest } from './migrate.js';
import { PreparedQuery } from './prepared-query.js';
import type { Database, JobEventsTable, JobsTable } from './schema.js';

const MAX_CAS_RETRIES = 5;
const LEASED_STATES: JobState[] = ['assigned', 'running'];
/** The states of a job someone must still act on: its owner's. */
const LIVE_STATES: JobState[] = ['submitted', 'matched', 'assigned', 'running', 'committed', 'verifying'];

export interface JobStoreOptions {
  now?: () => number;
  /**
   * This store is its database's only writer (a coordinator's own SQLite file): a job it has
   * in memory is the job, and neither `get` nor a transition need read it. Without it (a
   * PostgreSQL database that several coordinators share) each reads the database.
   */
  exclusive?: boolean;
  /** Shared with other writers of the same database, so that their writes join the same commits. */
  writes?: GroupCommit<Database>;
  /**
   * A cluster: coordinators sharing this database, each owning the jobs it accepted (`id`: its
   * address), its hold on each lasting `holdMs` unless renewed (see `claim`).
   */
  owner?: { id: string; holdMs: number };
}

const JOB_COLUMNS = [
  'id',
  'client',
  'state',
  'spec',
  'provider',
  'price',
  'attempt',
  'max_attempts',
  'result_cid',
  'error',
  'deadline',
  'lease_expires_at',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof JobsTable)[];
/** The columns a job's record is written to (its owner, in a cluster, is written apart: see `claim`). */
type JobColumn = (typeof JOB_COLUMNS)[number];
const EVENT_COLUMNS = [
  'job_id',
  'seq',
  'from_state',
  'to_state',
  'at',
  'detail',
] as const satisfies readonly (keyof JobEventsTable)[];

/** A row whose every column is the named value of the same name (for PreparedQuery). */
function rowOf<C extends string>(columns: readonly C[], value: (column: C) => unknown) {
  return Object.fromEntries(columns.map((column) => [column, value(column)]));
}

/** The job store on Kysely: one implementation for SQLite and PostgreSQL. */
export class KyselyJobStore implements JobStore {
  readonly #cache = new JobRecordCache();
  readonly #writes: GroupCommit<Database>;
  /** The queries of a job's every transition, compiled once (see prepared-query.ts). */
  readonly #insertJob: PreparedQuery<JobColumn>;
  readonly #updateJob: PreparedQuery<JobColumn | 'where_id' | 'where_version'>;
  readonly #selectJob: PreparedQuery<'id'>;
  /** Inserts of 1, 2... events: a transition writes one per state it passes through. */
  readonly #insertEvents = new Map<number, PreparedQuery<string>>();
  readonly #now: () => number;
  readonly #exclusive: boolean;
  readonly #owner: JobStoreOptions['owner'];

  constructor(
    private readonly db: Kysely<Database>,
    options: JobStoreOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#exclusive = options.exclusive ?? false;
    this.#owner = options.owner;
    this.#writes = options.writes ?? new GroupCommit(db);
    this.#insertJob = new PreparedQuery((value) =>
      db.insertInto('jobs').values(rowOf(JOB_COLUMNS, value) as unknown as JobRow),
    );
    this.#updateJob = new PreparedQuery((value) =>
      db
        .updateTable('jobs')
        .set(rowOf(JOB_COLUMNS, value) as unknown as JobRow)
        .where('id', '=', value('where_id'))
        .where('version', '=', value('where_version')),
    );
    this.#selectJob = new PreparedQuery((value) =>
      db.selectFrom('jobs').selectAll().where('id', '=', value('id')),
    );
  }

  #insertEventsOf(count: number): PreparedQuery<string> {
    let query = this.#insertEvents.get(count);
    if (!query) {
      query = new PreparedQuery((value) =>
        this.db
          .insertInto('job_events')
          .values(
            Array.from(
              { length: count },
              (_, index) =>
                rowOf(EVENT_COLUMNS, (column) => value(`${index}.${column}`)) as unknown as JobEventsTable,
            ),
          ),
      );
      this.#insertEvents.set(count, query);
    }
    return query;
  }

  /** The values of an event insert: `i.column` of the i-th event. */
  #eventValues(events: readonly JobEventsTable[]): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    events.forEach((event, index) => {
      for (const column of EVENT_COLUMNS) values[`${index}.${column}`] = event[column];
    });
    return values;
  }

  /** Opens and migrates a database of its own (closed by `close`). */
  static async open(dialect: Dialect, options: JobStoreOptions = {}): Promise<KyselyJobStore> {
    const db = new Kysely<Database>({ dialect });
    await migrateToLatest(db);
    return new KyselyJobStore(db, options);
  }

  async create(job: NewJob): Promise<JobRecord> {
    const at = this.#now();
    const { nonce, ...fields } = job;
    const record: JobRecord = {
      ...fields,
      state: 'submitted',
      provider: null,
      price: null,
      attempt: 1,
      resultCid: null,
      error: null,
      leaseExpiresAt: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    const client = job.client.toLowerCase();
    try {
      const event = { job_id: job.id, seq: 1, from_state: null, to_state: 'submitted', at, detail: '{}' };
      await this.#writes.write(async (trx) => {
        await trx.executeQuery(this.#insertJob.with(jobToRow(record)));
        await trx.executeQuery(this.#insertEventsOf(1).with(this.#eventValues([event])));
        // In a cluster the job is its acceptor's from the start: no other coordinator dispatches it.
        if (this.#owner)
          await trx
            .updateTable('jobs')
            .set({ owner: this.#owner.id, owner_until: at + this.#owner.holdMs })
            .where('id', '=', job.id)
            .execute();
        // After the job: resending the same spec fails on its id first, and stays idempotent.
        if (nonce !== undefined)
          await trx.insertInto('job_nonces').values({ client, nonce, job_id: job.id }).execute();
      });
      return this.#cache.set(record);
    } catch (cause) {
      const existing = await this.find(job.id);
      if (!existing) {
        if (nonce !== undefined && (await this.#nonceUser(client, nonce))) {
          throw new IdlegridError(
            'MESSAGE_REPLAYED',
            `JobSpec nonce ${nonce} of ${job.client} was already used`,
            {
              details: { kind: 'JobSpec', author: job.client, nonce },
            },
          );
        }
        throw cause;
      }
      if (canonicalJson(existing.spec) !== canonicalJson(job.spec)) {
        throw new IdlegridError('JOB_EXISTS', `job ${job.id} exists with a different spec`, {
          details: { id: job.id },
        });
      }
      return existing;
    }
  }

  /** The job that used this (client, nonce), if one did. */
  async #nonceUser(client: string, nonce: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('job_nonces')
      .select('job_id')
      .where('client', '=', client)
      .where('nonce', '=', nonce)
      .executeTakeFirst();
    return row?.job_id;
  }

  async get(id: string): Promise<JobRecord> {
    const job = (this.#exclusive && this.#cache.get(id)) || (await this.find(id));
    if (!job) throw new IdlegridError('JOB_NOT_FOUND', `no job ${id}`, { details: { id } });
    return job;
  }

  async list(filter: JobFilter = {}): Promise<JobRecord[]> {
    let query = this.db.selectFrom('jobs').selectAll();
    if (filter.client) query = query.where('client', '=', filter.client);
    if (filter.provider) query = query.where('provider', '=', filter.provider);
    if (filter.states?.length) query = query.where('state', 'in', [...filter.states]);
    if (filter.owned && this.#owner) query = query.where('owner', '=', this.#owner.id);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(jobFromRow);
  }

  async transition(id: string, to: JobState, options: TransitionOptions = {}): Promise<JobRecord> {
    let current = await this.get(id);
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      if (current.state === to && options.patch === undefined) return current;
      if (options.from && !options.from.includes(current.state)) {
        throw new IdlegridError(
          'JOB_INVALID_TRANSITION',
          `job ${id} is ${current.state}, not ${options.from.join('/')}`,
          {
            details: { id, state: current.state, expected: options.from, to },
          },
        );
      }
      const at = this.#now();
      const events = this.#steps(current, to, options, at);
      const next: JobRecord = {
        ...current,
        ...options.patch,
        state: to,
        updatedAt: at,
        version: current.version + events.length,
      };
      const moved = await this.#writes.write(async (trx) => {
        // Compare-and-set on the version: a concurrent writer (another coordinator on the
        // same PostgreSQL, or a racing caller here) makes this update match no row.
        const result = await trx.executeQuery(
          this.#updateJob.with({ ...jobToRow(next), where_id: id, where_version: current.version }),
        );
        if (result.numAffectedRows === 0n) return false;
        await trx.executeQuery(this.#insertEventsOf(events.length).with(this.#eventValues(events)));
        return true;
      });
      if (moved) return this.#cache.set(next);
      // Lost the race: the database has the winner's version, which memory may not have yet.
      const latest = await this.find(id);
      if (!latest) throw new IdlegridError('JOB_NOT_FOUND', `no job ${id}`, { details: { id } });
      current = latest;
    }
    throw new IdlegridError('JOB_CONFLICT', `job ${id} kept changing under concurrent updates`, {
      details: { id },
    });
  }

  /** The event rows of a transition: one per state passed through (see `via`), each checked. */
  #steps(current: JobRecord, to: JobState, options: TransitionOptions, at: number) {
    const path = [...(options.via ?? []), { state: to, detail: options.detail }];
    let from = current.state;
    return path.map((step, index) => {
      if (from !== step.state) assertTransition(current.id, from, step.state);
      const row = {
        job_id: current.id,
        seq: current.version + index + 1,
        from_state: from,
        to_state: step.state,
        at,
        detail: JSON.stringify(step.detail ?? {}),
      };
      from = step.state;
      return row;
    });
  }

  async events(id: string): Promise<JobEvent[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', id)
      .orderBy('seq')
      .execute();
    return rows.map(eventFromRow);
  }

  async putRun(run: JobRun): Promise<void> {
    const values = runToRow(run);
    const { job_id: _job, provider: _provider, ...update } = values;
    await this.db
      .insertInto('job_runs')
      .values(values)
      .onConflict((conflict) => conflict.columns(['job_id', 'provider']).doUpdateSet(update))
      .execute();
  }

  async runs(jobId: string): Promise<JobRun[]> {
    const rows = await this.db
      .selectFrom('job_runs')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('updated_at')
      .execute();
    return rows.map(runFromRow);
  }

  async comparedOutcomes(limit: number): Promise<ComparedOutcomes[]> {
    const rows = await this.db
      .selectFrom('job_runs')
      .select(['job_id', 'provider', 'outcome'])
      .where('state', '=', 'done')
      .where('outcome', 'is not', null)
      .where('job_id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('state', 'in', ['accepted', 'failed', 'settled'])
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .limit(limit),
      )
      .orderBy('job_id')
      .orderBy('updated_at')
      .execute();
    const byJob = new Map<string, ComparedOutcomes>();
    for (const row of rows) {
      let job = byJob.get(row.job_id);
      if (!job) {
        job = { jobId: row.job_id, runs: [] };
        byJob.set(row.job_id, job);
      }
      job.runs.push({ provider: row.provider as Address, outcome: row.outcome! });
    }
    return [...byJob.values()].filter((job) => job.runs.length > 1);
  }

  async countByState(): Promise<Partial<Record<JobState, number>>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.state, Number(row.count)]));
  }

  async expiredLeases(now: number, filter: Pick<JobFilter, 'owned'> = {}): Promise<JobRecord[]> {
    let query = this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'in', LEASED_STATES)
      .where('lease_expires_at', '<', now);
    if (filter.owned && this.#owner) query = query.where('owner', '=', this.#owner.id);
    const rows = await query.orderBy('lease_expires_at').execute();
    return rows.map(jobFromRow);
  }

  async claim(now: number): Promise<string[]> {
    const owner = this.#owner;
    if (!owner) return [];
    const until = now + owner.holdMs;
    await this.db
      .updateTable('jobs')
      .set({ owner_until: until })
      .where('owner', '=', owner.id)
      .where('state', 'in', LIVE_STATES)
      .execute();
    // Each row is taken by one coordinator: the update rechecks its condition on the row it locks.
    const taken = await this.db
      .updateTable('jobs')
      .set({ owner: owner.id, owner_until: until })
      .where('state', 'in', LIVE_STATES)
      .where((eb) => eb.or([eb('owner', 'is', null), eb('owner_until', '<', now)]))
      .returning('id')
      .execute();
    return taken.map((row) => row.id);
  }

  async owns(id: string): Promise<boolean> {
    if (!this.#owner) return true;
    const row = await this.db.selectFrom('jobs').select('owner').where('id', '=', id).executeTakeFirst();
    return row?.owner === this.#owner.id;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async find(id: string): Promise<JobRecord | undefined> {
    const [row] = (await this.db.executeQuery<JobsTable>(this.#selectJob.with({ id }))).rows;
    return row ? this.#cache.set(jobFromRow(row)) : undefined;
  }
}
