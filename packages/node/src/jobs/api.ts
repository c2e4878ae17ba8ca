import type { Address } from 'viem';
import type { JobState } from './job-states.js';

export interface JobError {
  code: string;
  message: string;
}

/** A job as the coordinator persists it. Times are unix milliseconds. */
export interface JobRecord {
  id: string;
  client: Address;
  state: JobState;
  /** The client's signed JobSpec, in wire form. */
  spec: unknown;
  provider: Address | null;
  /** Agreed price in token base units, as a decimal string. */
  price: string | null;
  attempt: number;
  maxAttempts: number;
  resultCid: string | null;
  error: JobError | null;
  deadline: number;
  leaseExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** Bumped by every transition: the compare-and-set token. */
  version: number;
}

export interface NewJob {
  id: string;
  client: Address;
  spec: unknown;
  /** The signed spec's nonce (decimal): a second job with the same client and nonce is MESSAGE_REPLAYED. */
  nonce?: string;
  deadline: number;
  maxAttempts: number;
}

/** Fields a transition may set alongside the new state. */
export type JobPatch = Partial<
  Pick<JobRecord, 'provider' | 'price' | 'resultCid' | 'error' | 'leaseExpiresAt' | 'attempt'>
>;

export interface JobEvent {
  jobId: string;
  seq: number;
  from: JobState | null;
  to: JobState;
  at: number;
  detail: Record<string, unknown>;
}

/**
 * One run of a job whose result is verified: the first run, an audit, or an arbiter that
 * settles a disagreement. Each provider runs a job at most once.
 */
export interface JobRun {
  jobId: string;
  provider: Address;
  /** `first`: the dispatcher's run; `audit`: a sampled job's check; `replica`: one of a replicated job's runs; `arbiter`: one more run to settle a disagreement. */
  purpose: 'first' | 'audit' | 'replica' | 'arbiter';
  /**
   * `assigned`: running; `committed`: its answer is committed, not yet revealed; `done`: answered;
   * `lost`: no answer (it vanished, refused, or could not run it); `withheld`: committed but
   * did not reveal (or revealed something else), and was punished for it.
   */
  state: 'assigned' | 'committed' | 'done' | 'lost' | 'withheld';
  resultCid: string | null;
  /** What the run answered (see verify/compare.ts `outcomeDigest`). */
  outcome: string | null;
  /** What the parties signed for this run (assignment, reveal), in wire form: the evidence. */
  signed: Record<string, unknown>;
  leaseExpiresAt: number | null;
  updatedAt: number;
  /** What the run earns, in token base units (set for each agreeing run when its job is accepted). */
  charge?: string | null;
  /** When the client's voucher for this run was relayed to its provider. */
  paidAt?: number | null;
}

export interface JobFilter {
  client?: Address;
  provider?: Address;
  states?: readonly JobState[];
  limit?: number;
  /** In a cluster: only the jobs this coordinator owns (see JobStore.claim). */
  owned?: boolean;
}

export interface TransitionOptions {
  patch?: JobPatch;
  detail?: Record<string, unknown>;
  /** Only move if the job is in one of these states (else JOB_INVALID_TRANSITION). */
  from?: readonly JobState[];
  /**
   * States the job passes through on its way to `to`, each checked and recorded as its own
   * event, all in one write: a step whose intermediate state nobody acts on needs no write of its own.
   */
  via?: readonly { state: JobState; detail?: Record<string, unknown> }[];
}

export interface ComparedOutcomes {
  jobId: string;
  runs: { provider: Address; outcome: string }[];
}

/**
 * Durable job records. Every transition is written (with its event) before the caller
 * acts on it, so a restarted coordinator resumes exactly where it stopped.
 */
export interface JobStore {
  /** Creates the job; creating the same id with the same spec again returns the existing job. */
  create(job: NewJob): Promise<JobRecord>;
  get(id: string): Promise<JobRecord>;
  list(filter?: JobFilter): Promise<JobRecord[]>;
  /** Moves a job to `to`; a repeat of the transition that put it there is a no-op. */
  transition(id: string, to: JobState, options?: TransitionOptions): Promise<JobRecord>;
  events(id: string): Promise<JobEvent[]>;
  /** How many jobs are in each state (states with none are omitted). */
  countByState(): Promise<Partial<Record<JobState, number>>>;
  /** Records a run (insert, or replace the one of the same job and provider). */
  putRun(run: JobRun): Promise<void>;
  /** The job's runs, oldest first. */
  runs(jobId: string): Promise<JobRun[]>;
  /**
   * Of the latest `limit` finished jobs (accepted, failed, settled), those run to an outcome by
   * more than one provider (replicas, audits, arbiters), with each provider's outcome, oldest
   * run first: what the collusion scan compares, read in one query.
   */
  comparedOutcomes(limit: number): Promise<ComparedOutcomes[]>;
  /** Jobs holding a lease that ran out before `now`: to retry after missed heartbeats or a restart (in a cluster, `owned` ones only if asked). */
  expiredLeases(now: number, filter?: Pick<JobFilter, 'owned'>): Promise<JobRecord[]>;
  /**
   * In a cluster (coordinators sharing one database): renews this coordinator's hold on the live
   * jobs it owns, and takes over those whose owner let its hold lapse (it died). Returns the ids
   * taken over. Undefined for a store that is its coordinator's alone.
   */
  claim?(now: number): Promise<string[]>;
  /** In a cluster: whether this coordinator owns the job (a job taken over is no longer its old owner's). */
  owns?(id: string): Promise<boolean>;
  close(): Promise<void>;
}
