import { IdlegridError, isIdlegridError, toWireJson } from '@idlegrid/protocol';
import { remoteError } from './remote-error.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

let defaultFetch: typeof fetch = (input, init) => fetch(input, init);

/**
 * The fetch that clients made without one use. The SDK's Node entry sets a faster one over
 * node:http (see node-fetch.ts); in a browser it stays the global fetch.
 */
export function setDefaultFetch(implementation: typeof fetch): void {
  defaultFetch = implementation;
}

/** A request through the default fetch (see setDefaultFetch), for calls made outside a client. */
export const sdkFetch: typeof fetch = (input, init) => defaultFetch(input, init);

export interface CoordinatorClientOptions {
  /** Base URL of the coordinator's HTTP API, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /**
   * Other coordinators of the same network (a mesh: see `/v1/network`), tried in turn when the
   * one in use cannot be reached. A request is sent again as it was: signed requests carry their
   * own nonce, so a job submitted twice is one job where coordinators share a store.
   */
  fallbackUrls?: readonly string[];
  /** Per request; for streams only until the response headers arrive. */
  timeoutMs?: number;
  /** Defaults to the global fetch in browsers, and to one over node:http in Node (see setDefaultFetch). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * A thin HTTP client for the coordinator API. Every failure is an IdlegridError: the
 * server's own code for error answers, COORDINATOR_UNAVAILABLE when it cannot be reached (nor
 * any of its fallbacks), COORDINATOR_TIMEOUT when it does not answer in time, ABORTED when the
 * caller aborts. With fallbacks, a coordinator that cannot be reached is left for the next one,
 * which is kept for the requests that follow.
 */
export class CoordinatorClient {
  readonly urls: readonly string[];
  #active = 0;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: CoordinatorClientOptions) {
    this.urls = [options.url, ...(options.fallbackUrls ?? [])].map(checkedUrl);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#fetch = options.fetch ?? sdkFetch;
  }

  /** The coordinator requests go to now. */
  get url(): string {
    return this.urls[this.#active]!;
  }

  getJson(path: string, options: RequestOptions = {}): Promise<unknown> {
    return this.#send(path, { method: 'GET' }, options, readJson);
  }

  /** Sends `body` as JSON with bigints as decimal strings (the wire form). */
  postJson(path: string, body: unknown, options: RequestOptions = {}): Promise<unknown> {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: toWireJson(body) };
    return this.#send(path, init, options, readJson);
  }

  postBytes(path: string, bytes: Uint8Array, options: RequestOptions = {}): Promise<unknown> {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes as Uint8Array<ArrayBuffer>,
    };
    return this.#send(path, init, options, readJson);
  }

  /** Any other request answered with JSON: a method, headers of its own, a byte body. */
  requestJson(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    init: { headers?: Record<string, string>; body?: Uint8Array } = {},
    options: RequestOptions = {},
  ): Promise<unknown> {
    const type = init.body ? { 'content-type': 'application/octet-stream' } : {};
    const body = init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {};
    return this.#send(path, { method, headers: { ...type, ...init.headers }, ...body }, options, readJson);
  }

  getBytes(path: string, options: RequestOptions = {}): Promise<Uint8Array> {
    return this.#send(path, { method: 'GET' }, options, async (response) => {
      return new Uint8Array(await response.arrayBuffer());
    });
  }

  /** A large body (an artifact) as it arrives, so that it is processed while the rest comes; the caller reads or cancels it. */
  getStream(
    path: string,
    options: RequestOptions = {},
    headers: Record<string, string> = {},
  ): Promise<ReadableStream<Uint8Array>> {
    return this.#stream(path, { method: 'GET', headers }, options);
  }

  /** `getStream`, with the body's size as the server announced it (`content-length`; -1 when it did not). */
  getStreamed(
    path: string,
    options: RequestOptions = {},
    headers: Record<string, string> = {},
  ): Promise<{ body: ReadableStream<Uint8Array>; size: number }> {
    return this.#send(path, { method: 'GET', headers }, options, async (response) => {
      if (!response.body) throw new IdlegridError('COORDINATOR_BAD_RESPONSE', `${path} sent no body`);
      return { body: response.body, size: Number(response.headers.get('content-length') ?? -1) };
    });
  }

  /** Opens a long-lived response (server-sent events); the caller reads and cancels its body. */
  openStream(path: string, options: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return this.#stream(path, { method: 'GET', headers: { accept: 'text/event-stream' } }, options);
  }

  /** Posts `body` as JSON (wire form) and opens the event stream the server answers with. */
  postStream(path: string, body: unknown, options: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const headers = { accept: 'text/event-stream', 'content-type': 'application/json' };
    return this.#stream(path, { method: 'POST', headers, body: toWireJson(body) }, options);
  }

  #stream(path: string, init: RequestInit, options: RequestOptions): Promise<ReadableStream<Uint8Array>> {
    return this.#send(path, init, options, async (response) => {
      if (!response.body) throw new IdlegridError('COORDINATOR_BAD_RESPONSE', `${path} sent no body`);
      return response.body;
    });
  }

  /** Sends to the coordinator in use; one that cannot be reached is left for the next (once round). */
  async #send<T>(
    path: string,
    init: RequestInit,
    options: RequestOptions,
    consume: (response: Response) => Promise<T>,
  ): Promise<T> {
    for (let tried = 1; ; tried++) {
      const active = this.#active;
      try {
        return await this.#sendTo(this.urls[active]!, path, init, options, consume);
      } catch (error) {
        const unreachable = isIdlegridError(error) && error.code === 'COORDINATOR_UNAVAILABLE';
        if (!unreachable || tried >= this.urls.length) throw error;
        // Another request may have moved on already: only the first to fail moves the client.
        if (this.#active === active) this.#active = (active + 1) % this.urls.length;
      }
    }
  }

  /** `consume` runs under the timeout too, so a server that stalls mid-body is caught. */
  async #sendTo<T>(
    base: string,
    path: string,
    init: RequestInit,
    options: RequestOptions,
    consume: (response: Response) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    const url = `${base}${path}`;
    try {
      const response = await this.#fetch(url, { ...init, signal });
      if (!response.ok) throw await remoteError(response);
      return await consume(response);
    } catch (error) {
      if (options.signal?.aborted) {
        throw new IdlegridError('ABORTED', `request to ${url} was aborted`, { cause: error });
      }
      if (timeout.signal.aborted) {
        throw new IdlegridError(
          'COORDINATOR_TIMEOUT',
          `coordinator did not answer ${path} in ${timeoutMs} ms`,
          {
            details: { url: base, timeoutMs },
            cause: error,
          },
        );
      }
      if (isIdlegridError(error)) throw error;
      throw new IdlegridError('COORDINATOR_UNAVAILABLE', `cannot reach the coordinator at ${base}`, {
        details: { url: base, reason: reasonOf(error) },
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new IdlegridError('INVALID_ARGUMENT', `not a coordinator URL: ${url}`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new IdlegridError('INVALID_ARGUMENT', `coordinator URL must be http(s): ${url}`);
  }
  return parsed.toString().replace(/\/+$/, '');
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new IdlegridError('COORDINATOR_BAD_RESPONSE', 'coordinator answered with invalid JSON', {
      details: { status: response.status, body: text.slice(0, 500) },
      cause,
    });
  }
}

/** fetch hides the system error (ECONNREFUSED, ENOTFOUND...) in `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
