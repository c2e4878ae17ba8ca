import { createReadStream, renameSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { cidOfBytes, IdlegridError, parseCid } from '@idlegrid/protocol';

/** Blobs up to this size are small: written synchronously as files (see `put`), or kept in a SmallBlobs. */
const SMALL_BLOB_BYTES = 64 * 1024;

/** Somewhere other than a file of its own to keep small blobs (the coordinator's database: store/blob-table.ts). */
export interface SmallBlobs {
  put(cid: string, bytes: Uint8Array): Promise<void>;
  get(cid: string): Promise<Uint8Array | undefined>;
  size(cid: string): Promise<number | undefined>;
  delete(cid: string): Promise<void>;
}

export interface ArtifactInfo {
  cid: string;
  size: number;
}

/**
 * Content-addressed blobs on disk, named by their sha-256 CIDv1: a blob is stored only
 * under the CID its bytes hash to, so nobody can serve or overwrite content under a
 * wrong name. Writes are atomic (temp file, then rename). With a SmallBlobs, blobs of up to
 * 64 KiB go there instead of into files of their own.
 */
export class ArtifactStore {
  /**
   * Sizes of the blobs this store wrote or found, by CID. Blobs never change under their CID,
   * so a known one needs no second write or stat (every job result repeats the empty output's).
   * Only `delete` removes blobs. Only the most recently used `maxKnownBlobs`: every job brings
   * a new manifest, so an unbounded map would grow with every job the coordinator ever ran.
   */
  readonly #known = new Map<string, number>();
  /**
   * The bytes of small blobs lately written or read: a job's manifest and outputs are read back
   * once or twice right after they arrive (its result goes to the client), never changed.
   */
  readonly #recent = new RecentBlobs();
  #dirReady: Promise<unknown> | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxBytes = 256 * 2 ** 20,
    private readonly small?: SmallBlobs,
    private readonly maxKnownBlobs = 10_000,
  ) {}

  /** Stores the bytes; if `expectedCid` is given, refuses content that does not match it. */
  async put(bytes: Uint8Array, expectedCid?: string): Promise<ArtifactInfo> {
    if (bytes.byteLength > this.maxBytes) {
      throw new IdlegridError(
        'ARTIFACT_TOO_LARGE',
        `artifact of ${bytes.byteLength} bytes exceeds ${this.maxBytes}`,
        {
          details: { size: bytes.byteLength, max: this.maxBytes },
        },
      );
    }
    const cid = cidOfBytes(bytes);
    if (expectedCid !== undefined && parseCid(expectedCid).toString() !== cid) {
      throw new IdlegridError('CID_MISMATCH', `content does not match ${expectedCid}`, {
        details: { expected: expectedCid, actual: cid },
      });
    }
    if (this.#known.has(cid)) {
      this.#remember(cid, bytes.byteLength);
      return { cid, size: bytes.byteLength };
    }
    if (this.small && bytes.byteLength <= SMALL_BLOB_BYTES) {
      await this.small.put(cid, bytes);
      this.#remember(cid, bytes.byteLength);
      this.#recent.keep(cid, bytes);
      return { cid, size: bytes.byteLength };
    }
    await this.#writeFile(cid, bytes);
    this.#remember(cid, bytes.byteLength);
    this.#recent.keep(cid, bytes);
    return { cid, size: bytes.byteLength };
  }

  async info(cid: string): Promise<ArtifactInfo> {
    const known = this.#known.get(cid);
    if (known !== undefined) {
      this.#remember(cid, known);
      return { cid, size: known };
    }
    const size =
      (await this.small?.size(parseCid(cid).toString())) ??
      (await stat(this.pathOf(cid)).then(
        (found) => found.size,
        () => undefined,
      ));
    if (size === undefined)
      throw new IdlegridError('ARTIFACT_NOT_FOUND', `no artifact ${cid}`, { details: { cid } });
    this.#remember(cid, size);
    return { cid, size };
  }

  /** A byte range [start, end] (inclusive) of the artifact, for resumable downloads. */
  async read(cid: string, range?: { start: number; end: number }): Promise<Readable> {
    await this.info(cid);
    const small = await this.#smallBytes(cid);
    if (small) return Readable.from([range ? small.subarray(range.start, range.end + 1) : small]);
    return createReadStream(this.pathOf(cid), range ?? {});
  }

  async bytes(cid: string): Promise<Uint8Array> {
    const recent = this.#recent.get(cid);
    if (recent) return recent;
    await this.info(cid);
    const small = await this.#smallBytes(cid);
    if (small) return this.#recent.keep(cid, small);
    const handle = await open(this.pathOf(cid));
    try {
      return this.#recent.keep(cid, new Uint8Array(await handle.readFile()));
    } finally {
      await handle.close();
    }
  }

  /** The blob's file, for runtimes that load a model from disk rather than from memory. */
  async path(cid: string): Promise<string> {
    await this.info(cid);
    const onDisk = await stat(this.pathOf(cid)).then(
      () => true,
      () => false,
    );
    const small = onDisk ? undefined : await this.#smallBytes(cid);
    // Kept in the SmallBlobs: written out as a file on demand.
    if (small) await this.#writeFile(cid, small);
    return this.pathOf(cid);
  }

  /** Removes the blob (erasure); removing a missing blob is not an error. */
  async delete(cid: string): Promise<void> {
    this.#known.delete(cid);
    this.#recent.forget(cid);
    await this.small?.delete(parseCid(cid).toString());
    await rm(this.pathOf(cid), { force: true });
  }

  /** Marks the CID most recently used; past `maxKnownBlobs` the least recently used is forgotten. */
  #remember(cid: string, size: number): void {
    this.#known.delete(cid);
    this.#known.set(cid, size);
    if (this.#known.size > this.maxKnownBlobs) this.#known.delete(this.#known.keys().next().value!);
  }

  /** The bytes of a blob kept in the SmallBlobs (undefined when it is a file, or there is none). */
  #smallBytes(cid: string): Promise<Uint8Array | undefined> {
    return this.small ? this.small.get(parseCid(cid).toString()) : Promise.resolve(undefined);
  }

  /** Writes the blob's file atomically: a temporary file, then a rename. */
  async #writeFile(cid: string, bytes: Uint8Array): Promise<void> {
    this.#dirReady ??= mkdir(this.dir, { recursive: true });
    await this.#dirReady;
    const path = this.pathOf(cid);
    const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    if (bytes.byteLength <= SMALL_BLOB_BYTES) {
      // A small blob (a result manifest, an output) blocks for less than the four thread-pool
      // round trips of an asynchronous write and rename would take.
      writeFileSync(temp, bytes);
      renameSync(temp, path);
    } else {
      await writeFile(temp, bytes);
      await rename(temp, path);
    }
  }

  private pathOf(cid: string): string {
    return join(this.dir, parseCid(cid).toString());
  }
}

/**
 * Blobs of up to 64 KiB, at most 4,096 of them and 16 MiB in all, the least recently kept
 * dropped first. "Recently" is seconds of traffic: a result is read back right after it
 * arrives, so a longer memory would only grow the coordinator's heap with every job.
 */
class RecentBlobs {
  readonly #blobs = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(
    private readonly maxBlobBytes = 64 * 1024,
    private readonly maxTotalBytes = 16 * 2 ** 20,
    private readonly maxBlobs = 4_096,
  ) {}

  /** A copy: a caller that changes its bytes must not change the blob. */
  get(cid: string): Uint8Array | undefined {
    return this.#blobs.get(cid)?.slice();
  }

  /**
   * Keeps a copy in memory of its own and returns the bytes as given. A copy, because the caller
   * may reuse its buffer, and because a Buffer's `slice` is a view: it would pin the whole pool
   * slab or message the bytes came in (a 300-byte manifest held 8 KiB).
   */
  keep(cid: string, bytes: Uint8Array): Uint8Array {
    if (bytes.byteLength > this.maxBlobBytes || this.#blobs.has(cid)) return bytes;
    this.#blobs.set(cid, new Uint8Array(bytes));
    this.#bytes += bytes.byteLength;
    for (const [oldest, blob] of this.#blobs) {
      if (this.#bytes <= this.maxTotalBytes && this.#blobs.size <= this.maxBlobs) break;
      this.#blobs.delete(oldest);
      this.#bytes -= blob.byteLength;
    }
    return bytes;
  }

  forget(cid: string): void {
    const blob = this.#blobs.get(cid);
    if (!blob) return;
    this.#blobs.delete(cid);
    this.#bytes -= blob.byteLength;
  }
}
