import { IdlegridError } from '@idlegrid/protocol/light';
import { listJobs, type ReadContext } from '@idlegrid/sdk';

const FULL_ID = /^0x[0-9a-fA-F]{64}$/;
const PREFIX = /^(0x)?[0-9a-fA-F]{4,63}$/;
/** How many recent jobs a prefix is matched against: a prefix names a job you saw lately. */
const PREFIX_SEARCH = 500;

/**
 * A job id as the user typed it: the full id, or a unique prefix of one (at least 4 hex digits,
 * as git takes short commit ids), matched against the newest jobs (the client's own, if known).
 */
export async function resolveJobId(ctx: ReadContext, typed: string, client?: `0x${string}`): Promise<string> {
  const text = typed.trim();
  if (FULL_ID.test(text)) return text;
  if (!PREFIX.test(text)) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `"${typed}" is not a job id or a prefix of one (0x and hex digits)`,
    );
  }
  const prefix = (text.startsWith('0x') ? text : `0x${text}`).toLowerCase();
  const jobs = await listJobs(ctx, { ...(client ? { client } : {}), limit: PREFIX_SEARCH });
  const matches = jobs.filter((job) => job.id.toLowerCase().startsWith(prefix));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) {
    throw new IdlegridError(
      'JOB_NOT_FOUND',
      `no job id starts with ${prefix} among the newest ${PREFIX_SEARCH}`,
      {
        details: { prefix },
      },
    );
  }
  throw new IdlegridError('INVALID_ARGUMENT', `${prefix} names ${matches.length} jobs: give more digits`, {
    details: { prefix, matches: matches.slice(0, 10).map((job) => job.id) },
  });
}
