import { join } from 'node:path';
import { Kysely } from 'kysely';
import { ArtifactCopies } from './artifact-copies.js';
import { ArtifactGrants } from './artifact-grants.js';
import { ArtifactOwners } from './artifact-owners.js';
import { BlobTable } from './blob-table.js';
import { postgresDialect, sqliteDialect } from './dialects.js';
import { FeedFundingStore } from './feed-funding-store.js';
import { FeedStore } from './feed-store.js';
import { FlRunStore } from './fl-run-store.js';
import { GroupCommit } from './group-commit.js';
import { KyselyJobStore } from './kysely-job-store.js';
import { migrateToLatest } from './migrate.js';
import { PaymentLedger } from './payment-ledger.js';
import { ReadingScoreStore } from './reading-score-store.js';
import type { Database } from './schema.js';

export interface CoordinatorStore {
  jobs: KyselyJobStore;
  payments: PaymentLedger;
  /** Where the artifact store keeps small blobs. */
  blobs: BlobTable;
  /** Who owns which artifact, erasures, signed artifact requests taken. */
  owners: ArtifactOwners;
  /** Where artifacts were copied to, and the erasure receipts of those copies. */
  copies: ArtifactCopies;
  /** Grants owners gave on their artifacts. */
  grants: ArtifactGrants;
  /** Devices and the readings they signed. */
  feeds: FeedStore;
  /** Readings' quality scores and devices' scoring histories. */
  readingScores: ReadingScoreStore;
  /** Buyers' fundings of feeds and what they owe device owners. */
  feedFundings: FeedFundingStore;
  /** Federated runs and their rounds. */
  flRuns: FlRunStore;
  close(): Promise<void>;
}

/** PostgreSQL when a URL is given (DATABASE_URL), else SQLite in DATA_DIR/coordinator.db; migrated. */
export async function openCoordinatorStore(options: {
  dataDir: string;
  databaseUrl?: string;
  /** One of a cluster sharing the PostgreSQL database: this coordinator's id, and its hold on its jobs (see KyselyJobStore). */
  owner?: { id: string; holdMs: number };
}): Promise<CoordinatorStore> {
  const dialect = options.databaseUrl
    ? await postgresDialect(options.databaseUrl)
    : await sqliteDialect(join(options.dataDir, 'coordinator.db'));
  const db = new Kysely<Database>({ dialect });
  await migrateToLatest(db);
  // A SQLite file is this coordinator's alone; a PostgreSQL database may be shared.
  const writes = new GroupCommit(db);
  const jobs = new KyselyJobStore(db, {
    exclusive: !options.databaseUrl,
    writes,
    ...(options.owner ? { owner: options.owner } : {}),
  });
  return {
    jobs,
    blobs: new BlobTable(db, writes),
    owners: new ArtifactOwners(db),
    copies: new ArtifactCopies(db, writes),
    grants: new ArtifactGrants(db),
    feeds: new FeedStore(db, writes),
    readingScores: new ReadingScoreStore(db, writes),
    feedFundings: new FeedFundingStore(db),
    flRuns: new FlRunStore(db),
    payments: new PaymentLedger(db),
    close: () => db.destroy(),
  };
}

/** Just the job store (it closes the database). */
export async function openJobStore(options: {
  dataDir: string;
  databaseUrl?: string;
}): Promise<KyselyJobStore> {
  return (await openCoordinatorStore(options)).jobs;
}
