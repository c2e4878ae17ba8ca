import { IdlegridError } from '@idlegrid/protocol';
import { type Kysely, type Migration, Migrator } from 'kysely';
import { jobsMigration } from './migrations/001-jobs.js';
import { paymentsMigration } from './migrations/002-payments.js';
import { runsMigration } from './migrations/003-runs.js';
import { runPaymentsMigration } from './migrations/004-run-payments.js';
import { blobsMigration } from './migrations/005-blobs.js';
import { jobNoncesMigration } from './migrations/006-job-nonces.js';
import { artifactOwnersMigration } from './migrations/007-artifact-owners.js';
import { artifactCopiesMigration } from './migrations/008-artifact-copies.js';
import { artifactGrantsMigration } from './migrations/009-artifact-grants.js';
import { feedsMigration } from './migrations/010-feeds.js';
import { requestNonceExpiryMigration } from './migrations/011-request-nonce-expiry.js';
import { jobOwnersMigration } from './migrations/012-job-owners.js';
import { flRunsMigration } from './migrations/013-fl-runs.js';
import { readingScoresMigration } from './migrations/014-reading-scores.js';
import { feedFundingsMigration } from './migrations/015-feed-fundings.js';
import { feedConsentsMigration } from './migrations/016-feed-consents.js';
import { feedScoringCountsMigration } from './migrations/017-feed-scoring-counts.js';
import type { Database } from './schema.js';

/** Every migration in order. Names sort lexically; never edit one that has shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '001-jobs': jobsMigration,
  '002-payments': paymentsMigration,
  '003-runs': runsMigration,
  '004-run-payments': runPaymentsMigration,
  '005-blobs': blobsMigration,
  '006-job-nonces': jobNoncesMigration,
  '007-artifact-owners': artifactOwnersMigration,
  '008-artifact-copies': artifactCopiesMigration,
  '009-artifact-grants': artifactGrantsMigration,
  '010-feeds': feedsMigration,
  '011-request-nonce-expiry': requestNonceExpiryMigration,
  '012-job-owners': jobOwnersMigration,
  '013-fl-runs': flRunsMigration,
  '014-reading-scores': readingScoresMigration,
  '015-feed-fundings': feedFundingsMigration,
  '016-feed-consents': feedConsentsMigration,
  '017-feed-scoring-counts': feedScoringCountsMigration,
};

export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new IdlegridError('STORE_UNAVAILABLE', `database migration ${failed ?? ''} failed`, {
      cause: error,
    });
  }
}
