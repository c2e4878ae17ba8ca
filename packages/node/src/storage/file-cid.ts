import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cidOfSha256 } from '@idlegrid/protocol';

/** The raw-blob CID of a file and its size, hashed as a stream (models can be gigabytes). */
export async function hashFile(path: string): Promise<{ cid: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { cid: cidOfSha256(hash.digest()), bytes };
}
