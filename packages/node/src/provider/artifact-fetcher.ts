import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError, isIdlegridError, parseCid, verifyCid } from '@idlegrid/protocol';
import { ArtifactStore } from '../storage/artifact-store.js';

export interface ArtifactFetcherOptions {
  /** Verified artifacts live here (an ArtifactStore); partial downloads under `partial/`. */
  cacheDir: string;
  /** Largest artifact accepted, in bytes (1 GiB by default). */
  maxBytes?: number;
  /** Attempts per fetch; each resumes where the previous one stopped (4 by default). */
  attempts?: number;
  /** Limit of one HTTP request, in milliseconds (5 minutes by default). */
  requestTimeoutMs?: number;
  /** Headers that prove who reads: an owned artifact is served to a provider leased a job naming it. */
  authorize?: (cid: string) => Promise<Record<string, string>>;
}

/**
 * Downloads artifacts by CID from `${apiUrl}/v1/artifacts/:cid`, checks that the bytes hash
 * to the CID, and caches them. A dropped download keeps its bytes in a `.part` file and
 * resumes with a Range request, so large models are not fetched twice.
 */
export class ArtifactFetcher {
  readonly store: ArtifactStore;
  readonly #partDir: string;
  readonly #maxBytes: number;
  readonly #attempts: number;
  readonly #timeoutMs: number;
  readonly #authorize: ArtifactFetcherOptions['authorize'];
  readonly #inFlight = new Map<string, Promise<Uint8Array>>();

  constructor(options: ArtifactFetcherOptions) {
    this.#maxBytes = options.maxBytes ?? 2 ** 30;
    this.store = new ArtifactStore(options.cacheDir, this.#maxBytes);
    this.#partDir = join(options.cacheDir, 'partial');
    this.#attempts = options.attempts ?? 4;
    this.#timeoutMs = options.requestTimeoutMs ?? 300_000;
    this.#authorize = options.authorize;
  }

  /**
   * Deletes every trace of an artifact here: a download under way is let finish first (its bytes
   * would land in the cache afterwards), then the cache entry and any partial download go.
   */
  async erase(cid: string): Promise<void> {
    const key = parseCid(cid).toString();
    await this.#inFlight.get(key)?.catch(() => {});
    await this.store.delete(key);
    await rm(join(this.#partDir, `${key}.part`), { force: true });
  }

  /** The artifact's bytes, from the cache or the coordinator; concurrent calls share one download. */
  async fetch(apiUrl: string, cid: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const key = parseCid(cid).toString();
    const cached = await this.store.bytes(key).catch(() => undefined);
    if (cached) return cached;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#download(apiUrl, key, options.signal).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #download(apiUrl: string, cid: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
    await mkdir(this.#partDir, { recursive: true });
    const part = join(this.#partDir, `${cid}.part`);
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      signal?.throwIfAborted();
      const offset = await stat(part).then(
        (info) => info.size,
        () => 0,
      );
      try {
        const url = `${apiUrl.replace(/\/$/, '')}/v1/artifacts/${cid}`;
        await this.#request(url, part, offset, (await this.#authorize?.(cid)) ?? {}, signal);
      } catch (error) {
        if (signal?.aborted) throw new IdlegridError('ABORTED', `fetching ${cid} aborted`, { cause: error });
        if (isIdlegridError(error) && error.code !== 'ARTIFACT_FETCH_FAILED') throw error;
        lastError = error;
        continue;
      }
      const bytes = new Uint8Array(await readFile(part));
      try {
        verifyCid(cid, bytes);
      } catch (error) {
        await rm(part, { force: true });
        // A resumed download may have glued onto stale bytes: retry once from scratch.
        if (offset > 0) {
          lastError = error;
          continue;
        }
        throw error;
      }
      await this.store.put(bytes, cid);
      await rm(part, { force: true });
      return bytes;
    }
    throw new IdlegridError('ARTIFACT_FETCH_FAILED', `cannot fetch ${cid} from ${apiUrl}`, {
      cause: lastError,
      details: { cid, attempts: this.#attempts },
    });
  }

  /** One GET, appending to the part file from `offset` (or rewriting it when the server ignores Range). */
  async #request(
    url: string,
    part: string,
    offset: number,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const response = await fetch(url, {
      headers: offset > 0 ? { ...headers, range: `bytes=${offset}-` } : headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    }).catch((cause: unknown) => {
      throw new IdlegridError('ARTIFACT_FETCH_FAILED', `GET ${url} failed`, { cause });
    });
    if (response.status === 404) {
      throw new IdlegridError('ARTIFACT_NOT_FOUND', `the coordinator has no artifact at ${url}`);
    }
    if (response.status === 403 || response.status === 401) {
      throw new IdlegridError(
        'ARTIFACT_ACCESS_DENIED',
        `the coordinator refused ${url} (${response.status})`,
      );
    }
    if (response.status === 416) {
      // The part file is longer than the artifact: start over.
      await rm(part, { force: true });
      throw new IdlegridError('ARTIFACT_FETCH_FAILED', `${url}: range not satisfiable`);
    }
    if (response.status !== 200 && response.status !== 206) {
      throw new IdlegridError('ARTIFACT_FETCH_FAILED', `GET ${url} answered ${response.status}`);
    }
    const resumed = response.status === 206;
    const file = await open(part, resumed ? 'a' : 'w');
    let size = resumed ? offset : 0;
    try {
      if (!response.body) return;
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > this.#maxBytes) {
          throw new IdlegridError('ARTIFACT_TOO_LARGE', `${url} is larger than ${this.#maxBytes} bytes`, {
            details: { max: this.#maxBytes },
          });
        }
        await file.write(chunk);
      }
    } catch (cause) {
      if (isIdlegridError(cause)) throw cause;
      throw new IdlegridError('ARTIFACT_FETCH_FAILED', `download of ${url} broke off`, { cause });
    } finally {
      await file.close();
    }
  }
}
