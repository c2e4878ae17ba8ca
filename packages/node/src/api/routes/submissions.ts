import { isIdlegridError, type VerifiedMessage } from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { JobIntake } from '../../coordinator/job-intake.js';
import type { JobRecord } from '../../jobs/api.js';
import type { RequestLimits } from '../limits/request-limits.js';

interface SubmitDeps {
  intake: JobIntake;
  limits: RequestLimits;
}

type Verified = VerifiedMessage<'JobSpec'>;

/**
 * One signed JobSpec: its signature checked first, then counted for its client (whose address
 * means something only now: a forged `client` never reaches its bucket), then taken.
 */
export async function submitOne(deps: SubmitDeps, signed: unknown): Promise<JobRecord> {
  const release = deps.limits.admitSubmissions(1);
  try {
    const verified = await deps.intake.verify(signed, 'JobSpec');
    deps.limits.chargeClients(new Map([[verified.message.client, { messages: 1, jobs: 1 }]]));
    return await deps.intake.submitVerified(verified);
  } finally {
    release();
  }
}

type BatchResult = { job: JobRecord } | { error: { code: string; message: string; details: unknown } };

function asResult(error: unknown): BatchResult {
  if (!isIdlegridError(error)) throw error;
  return { error: { code: error.code, message: error.message, details: error.details } };
}

/**
 * A batch: every signature checked, then its verified jobs counted for their clients all at
 * once (N jobs count N; over a client's limit, the whole request is refused and nothing is
 * taken), then each taken or refused on its own, in order.
 */
export async function submitBatch(deps: SubmitDeps, jobs: readonly unknown[]): Promise<BatchResult[]> {
  const checked = await Promise.all(
    jobs.map((signed) =>
      deps.intake.verify(signed, 'JobSpec').then(
        (verified): Verified | BatchResult => verified,
        (error: unknown) => asResult(error),
      ),
    ),
  );
  const isVerified = (entry: Verified | BatchResult): entry is Verified => 'signature' in entry;
  const counts = new Map<Address, { messages: number; jobs: number }>();
  for (const entry of checked.filter(isVerified)) {
    const count = counts.get(entry.message.client) ?? { messages: 0, jobs: 0 };
    counts.set(entry.message.client, { messages: count.messages + 1, jobs: count.jobs + 1 });
  }
  deps.limits.chargeClients(counts);
  // All at once: their writes share one commit (see store/group-commit.ts).
  return Promise.all(
    checked.map((entry) =>
      isVerified(entry) ? deps.intake.submitVerified(entry).then((job) => ({ job }), asResult) : entry,
    ),
  );
}
