import type { ColumnType } from 'kysely';

/** Row types, shared by SQLite and PostgreSQL: JSON as text, times as integer milliseconds. */
export interface JobsTable {
  id: string;
  client: string;
  state: string;
  spec: string;
  provider: string | null;
  price: string | null;
  attempt: number;
  max_attempts: number;
  result_cid: string | null;
  error: string | null;
  deadline: number | string;
  lease_expires_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
  version: number;
  /** In a cluster: the coordinator that runs the job (see migrations/012-job-owners.ts). */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
  owner_until: ColumnType<number | string, number | undefined, number>;
}

export interface JobEventsTable {
  job_id: string;
  seq: number;
  from_state: string | null;
  to_state: string;
  at: number | string;
  detail: string;
}

export interface VouchersTable {
  client: string;
  provider: string;
  cumulative_amount: string;
  nonce: string;
  voucher: string;
  updated_at: number | string;
}

export interface JobRunsTable {
  job_id: string;
  provider: string;
  purpose: string;
  state: string;
  result_cid: string | null;
  outcome: string | null;
  signed: string;
  lease_expires_at: number | string | null;
  updated_at: number | string;
  charge: string | null;
  paid_at: number | string | null;
}

export interface BlobsTable {
  cid: string;
  size: number | string;
  base64: string;
}

/** The (client, nonce) of each accepted JobSpec: a nonce serves one job. Client lowercased. */
export interface JobNoncesTable {
  client: string;
  nonce: string;
  job_id: string;
}

/** An owner of an artifact (lowercased address), with the artifact key wrapped to it when encrypted. */
export interface ArtifactOwnersTable {
  cid: string;
  owner: string;
  wrapped_key: string | null;
  created_at: number | string;
}

/** The (requester, nonce) of each accepted signed artifact request. Requester lowercased. */
export interface ArtifactRequestNoncesTable {
  requester: string;
  nonce: string;
  /** The signed request's expiry, unix seconds: the nonce is forgotten after it. */
  expires_at: ColumnType<number, number | undefined, number>;
}

/** Who erased what and when; `blob_destroyed` 1 when no owner was left and the bytes went. */
export interface ArtifactErasuresTable {
  cid: string;
  owner: string;
  requested_at: number | string;
  blob_destroyed: number;
}

export interface ArtifactCopiesTable {
  cid: string;
  provider: string;
  since: number | string;
}

export interface ErasureReceiptsTable {
  cid: string;
  provider: string;
  requested_at: number | string;
  confirmed_at: number | string | null;
  /** The provider's signed ErasureReceipt, wire JSON. */
  receipt: string | null;
}

export interface ArtifactGrantsTable {
  cid: string;
  owner: string;
  grantee: string;
  purpose: string;
  until: number | string;
  wrapped_key: string | null;
  /** The owner's signed ArtifactGrant, wire JSON. */
  grant: string;
  granted_at: number | string;
}

export interface DevicesTable {
  device: string;
  owner: string;
  kind: string;
  /** The owner's signed DeviceBinding and the device's countersignature, wire JSON. */
  binding: string;
  registered_at: number | string;
  /** The last seq of this device's erased readings (-1: none erased). */
  seq_floor?: number | string;
}

export interface FeedConsentsTable {
  owner: string;
  /** '' for every feed. */
  feed: string;
  granted: number;
  /** The owner's signed FeedConsent, wire JSON. */
  consent: string;
  updated_at: number | string;
}

export interface ReadingsTable {
  device: string;
  seq: number | string;
  feed: string;
  t: number | string;
  cell: string;
  /** The values, JSON. */
  vals: string;
  received_at: number | string;
}

export interface ReadingScoresTable {
  device: string;
  seq: number | string;
  feed: string;
  score: number;
  rewardable: number;
  /** Each check's verdict and reason, JSON (CheckResult[]). */
  checks: string;
  scored_at: number | string;
}

export interface DeviceQualityTable {
  device: string;
  feed: string;
  /** The scorer's DeviceHistory, JSON. */
  history: string;
  reputation: number;
  updated_at: number | string;
  /** How many of its readings of the feed were scored, and rewardable. */
  scored: number;
  rewardable: number;
}

export interface FeedScoringTable {
  feed: string;
  /** Readings received up to this time (unix ms) are scored; -1 from the feed's first reading on. */
  scored_through: number | string;
}

export interface FeedFundingsTable {
  id: string;
  buyer: string;
  feed: string;
  /** The buyer's signed FeedFunding, wire JSON. */
  funding: string;
  /** Of the budget, wei, decimal. */
  spent: string;
  created_at: number | string;
}

export interface FeedRewardsTable {
  funding_id: string;
  owner: string;
  readings: number;
  /** Wei, decimal. */
  owed: string;
  paid: string;
  updated_at: number | string;
}

export interface FlRunsTable {
  id: string;
  client: string;
  /** The client's signed FlRun, wire JSON. */
  run: string;
  state: string;
  reason: string | null;
  rounds_done: number;
  /** The global weights after the last closed round, float32 base64. */
  weights: string;
  /** The strategy's server state (FedAdam's moments) and the privacy accountant's, JSON. */
  strategy_state: string;
  created_at: number | string;
  updated_at: number | string;
}

export interface FlRoundsTable {
  run_id: string;
  round: number;
  /** Who took part, who was dropped, the signed update receipts, loss and ε: JSON (see FlRoundRecord). */
  record: string;
  /** The global weights this round produced, float32 base64: the model's history. */
  weights: string;
  closed_at: number | string;
}

export interface Database {
  jobs: JobsTable;
  job_runs: JobRunsTable;
  job_events: JobEventsTable;
  vouchers: VouchersTable;
  blobs: BlobsTable;
  job_nonces: JobNoncesTable;
  artifact_owners: ArtifactOwnersTable;
  artifact_request_nonces: ArtifactRequestNoncesTable;
  artifact_erasures: ArtifactErasuresTable;
  artifact_copies: ArtifactCopiesTable;
  erasure_receipts: ErasureReceiptsTable;
  artifact_grants: ArtifactGrantsTable;
  devices: DevicesTable;
  readings: ReadingsTable;
  reading_scores: ReadingScoresTable;
  device_quality: DeviceQualityTable;
  feed_scoring: FeedScoringTable;
  feed_fundings: FeedFundingsTable;
  feed_consents: FeedConsentsTable;
  feed_rewards: FeedRewardsTable;
  fl_runs: FlRunsTable;
  fl_rounds: FlRoundsTable;
}
