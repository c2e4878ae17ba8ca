import { cidOfBytes, IdlegridError, parseCid, verifyCidDigest } from '@idlegrid/protocol';
import { concatBytes, sha256Hasher } from '@idlegrid/protocol/privacy';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import { chunksOf } from '../http/sse.js';
import type { ReadContext } from './context.js';

const uploadAnswerSchema = z.object({ cid: z.string(), size: z.number() });

/** Uploads a blob and returns its CID, refusing a coordinator that names it otherwise. */
export async function uploadArtifact(
  ctx: ReadContext,
  bytes: Uint8Array,
  options: RequestOptions = {},
): Promise<string> {
  return checkedUpload(await ctx.coordinator.postBytes('/v1/artifacts', bytes, options), bytes);
}

/**
 * The CID of `bytes` (`expected`, when the caller computed it already), once the coordinator's
 * answer to their upload says it stored exactly them.
 */
export function checkedUpload(answer: unknown, bytes: Uint8Array, expected = cidOfBytes(bytes)): string {
  const stored = parseAnswer(uploadAnswerSchema, answer, 'artifact upload');
  if (stored.cid !== expected || stored.size !== bytes.byteLength) {
    throw new IdlegridError(
      'CID_MISMATCH',
      `coordinator stored the artifact as ${stored.cid}, not ${expected}`,
      {
        details: { expected, actual: stored.cid, size: bytes.byteLength, storedSize: stored.size },
      },
    );
  }
  return expected;
}

/**
 * Downloads a blob and checks that it hashes to `cid` (CID_MISMATCH otherwise): trust no server.
 * It is hashed as it arrives, so that the check overlaps the transfer.
 */
export async function downloadArtifact(
  ctx: ReadContext,
  cid: string,
  options: RequestOptions = {},
  /** A signed `read` request, for an owned artifact (see `readArtifact` in `@idlegrid/sdk/privacy`). */
  headers: Record<string, string> = {},
): Promise<Uint8Array> {
  parseCid(cid);
  const body = await ctx.coordinator.getStream(`/v1/artifacts/${encodeURIComponent(cid)}`, options, headers);
  const hash = await sha256Hasher();
  const parts: Uint8Array[] = [];
  for await (const part of chunksOf(body)) {
    hash.update(part);
    parts.push(part);
  }
  verifyCidDigest(cid, hash.digest());
  return concatBytes(parts);
}
