import { cidOfBytes, IdlegridError, parseCid, verifyCid } from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { ReadContext } from './context.js';

const uploadAnswerSchema = z.object({ cid: z.string(), size: z.number() });

/** Uploads a blob and returns its CID, refusing a coordinator that names it otherwise. */
export async function uploadArtifact(
  ctx: ReadContext,
  bytes: Uint8Array,
  options: RequestOptions = {},
): Promise<string> {
  const expected = cidOfBytes(bytes);
  const answer = parseAnswer(
    uploadAnswerSchema,
    await ctx.coordinator.postBytes('/v1/artifacts', bytes, options),
    'artifact upload',
  );
  if (answer.cid !== expected || answer.size !== bytes.byteLength) {
    throw new IdlegridError(
      'CID_MISMATCH',
      `coordinator stored the artifact as ${answer.cid}, not ${expected}`,
      {
        details: { expected, actual: answer.cid, size: bytes.byteLength, storedSize: answer.size },
      },
    );
  }
  return expected;
}

/** Downloads a blob and checks that it hashes to `cid` (CID_MISMATCH otherwise): trust no server. */
export async function downloadArtifact(
  ctx: ReadContext,
  cid: string,
  options: RequestOptions = {},
): Promise<Uint8Array> {
  parseCid(cid);
  const bytes = await ctx.coordinator.getBytes(`/v1/artifacts/${encodeURIComponent(cid)}`, options);
  verifyCid(cid, bytes);
  return bytes;
}
