import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Every connection a client has opened stays open for reuse (node's default keeps 256 idle and
 * closes the rest): a client with hundreds of jobs in flight would otherwise close and reopen
 * connections all the time, and a coordinator under load accepts new connections in turn, behind
 * that churn (its /healthz took seconds to be accepted, not to be answered).
 */
const AGENT_OPTIONS = { keepAlive: true, maxFreeSockets: Number.POSITIVE_INFINITY };
const agents = {
  'http:': new HttpAgent(AGENT_OPTIONS),
  'https:': new HttpsAgent(AGENT_OPTIONS),
};

/** Statuses whose response has no body (a Response with one would be refused). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * `fetch` over node:http on kept-alive connections: for the coordinator's small answers it takes
 * half the time of Node's own fetch (0.5 against 1.1 ms a request on the benchmark machine), and a
 * job costs two or three requests. It does what CoordinatorClient asks of fetch: a method,
 * headers, a string or bytes body, a signal. An event stream's or an artifact's body streams;
 * any other is read whole first. Failures reject like Node's fetch: a TypeError whose `cause` is the system error.
 */
export const nodeFetch: typeof fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const { signal } = init;
    if (signal?.aborted) return reject(signal.reason);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init.headers).entries()),
        agent: agents[url.protocol],
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const headers = headersOf(response);
        if (NO_BODY.has(status)) {
          response.resume();
          return resolve(new Response(null, { status, headers }));
        }
        // Event streams, and artifacts (an envelope is opened chunk by chunk while the rest comes):
        // each chunk is handed on as it arrives.
        const type = headers.get('content-type') ?? '';
        if (type.startsWith('text/event-stream') || type.startsWith('application/octet-stream')) {
          return resolve(new Response(streamOf(response), { status, headers }));
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(new Response(Buffer.concat(chunks), { status, headers })));
        response.on('error', (error) => reject(failed(error)));
      },
    );
    const onAbort = () =>
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('close', () => signal?.removeEventListener('abort', onAbort));
    request.on('error', (error) => reject(signal?.aborted ? signal.reason : failed(error)));
    const body = init.body;
    if (body === undefined || body === null) request.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
    else {
      request.destroy();
      reject(new TypeError('fetch failed: only string and byte bodies are supported'));
    }
  });

/**
 * A body as a web stream, each chunk handed on as it arrives (`Readable.toWeb` took about a
 * millisecond more per chunk, which an event feels), holding at most about 1 MiB unread: the
 * socket pauses until the reader catches up.
 */
function streamOf(response: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        response.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) response.pause();
        });
        response.on('end', () => {
          if (!done) controller.close();
          done = true;
        });
        response.on('error', (error) => {
          if (!done) controller.error(error);
          done = true;
        });
      },
      pull() {
        response.resume();
      },
      cancel() {
        done = true;
        response.destroy();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 2 ** 20 }),
  );
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

function failed(cause: Error): TypeError {
  return new TypeError('fetch failed', { cause });
}
