import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CoordinatorClient } from './coordinator-client.js';
import { nodeFetch } from './node-fetch.js';
import { readSse } from './sse.js';
import { sendJson, startStubServer } from './stub-server.js';

/** A port nobody listens on: bind one, then free it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const transports = { 'global fetch': (input, init) => fetch(input, init), nodeFetch } satisfies Record<
  string,
  typeof fetch
>;

describe.each(Object.entries(transports))('CoordinatorClient over %s', (_name, transport) => {
  it('maps error answers to the server code, keeping message and details', async () => {
    const stub = await startStubServer({
      'GET /known': (_r, res) =>
        sendJson(res, 404, {
          error: { code: 'JOB_NOT_FOUND', message: 'no job 0x1', details: { id: '0x1' } },
        }),
      'GET /unknown': (_r, res) =>
        sendJson(res, 418, { error: { code: 'TEAPOT', message: 'short and stout' } }),
      'GET /html': (_r, res) => res.writeHead(502).end('<h1>bad gateway</h1>'),
      'GET /broken': (_r, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{nope'),
      'GET /slow': () => {},
    });
    try {
      // A loaded machine (the first global fetch loads undici) answers well within 5 s; /slow never answers.
      const client = new CoordinatorClient({ url: `${stub.url}/`, timeoutMs: 5_000, fetch: transport });
      await expect(client.getJson('/known')).rejects.toMatchObject({
        code: 'JOB_NOT_FOUND',
        message: 'no job 0x1',
        details: { id: '0x1', status: 404 },
      });
      await expect(client.getJson('/unknown')).rejects.toMatchObject({
        code: 'COORDINATOR_BAD_RESPONSE',
        details: { status: 418, remoteCode: 'TEAPOT' },
      });
      await expect(client.getJson('/html')).rejects.toMatchObject({
        code: 'COORDINATOR_BAD_RESPONSE',
        details: { status: 502 },
      });
      await expect(client.getJson('/broken')).rejects.toMatchObject({ code: 'COORDINATOR_BAD_RESPONSE' });
      await expect(client.getJson('/slow', { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'COORDINATOR_TIMEOUT',
        details: { timeoutMs: 200 },
      });
      const controller = new AbortController();
      const pending = client.getJson('/slow', { signal: controller.signal, timeoutMs: 10_000 });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    } finally {
      await stub.close();
    }
  });

  it('reports an unreachable coordinator as COORDINATOR_UNAVAILABLE', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    await expect(new CoordinatorClient({ url, fetch: transport }).getJson('/v1/jobs')).rejects.toMatchObject({
      code: 'COORDINATOR_UNAVAILABLE',
      details: { url, reason: 'ECONNREFUSED' },
    });
  });

  it('posts JSON and bytes, and streams events until the caller stops', async () => {
    let streamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      streamClosed = resolve;
    });
    const stub = await startStubServer({
      'POST /echo': (request, res) => sendJson(res, 200, { got: request.body }),
      'POST /bytes': (request, res) => sendJson(res, 200, { length: request.body.length }),
      'GET /events': (_r, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: tick\ndata: 1\n\n');
        setTimeout(() => res.write('event: tick\ndata: 2\n\n'), 20);
        res.on('close', streamClosed);
      },
    });
    try {
      const client = new CoordinatorClient({ url: stub.url, fetch: transport });
      expect(await client.postJson('/echo', { big: 10n ** 20n })).toEqual({
        got: '{"big":"100000000000000000000"}',
      });
      expect(await client.postBytes('/bytes', new Uint8Array(1000).fill(65))).toEqual({ length: 1000 });
      const body = await client.openStream('/events');
      const seen: string[] = [];
      for await (const event of readSse(body)) {
        seen.push(event.data);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(['1', '2']);
      // Stopping reading closes the request: the server sees it go.
      await closed;
    } finally {
      await stub.close();
    }
  });

  it('refuses URLs that are not http(s)', () => {
    expect(() => new CoordinatorClient({ url: 'ftp://example.com' })).toThrow('http(s)');
    expect(() => new CoordinatorClient({ url: 'nope' })).toThrow('not a coordinator URL');
  });

  it('fails over to the next coordinator when the one in use cannot be reached, and stays there', async () => {
    let posted = 0;
    const stub = await startStubServer({
      'POST /v1/jobs': (_r, res) => {
        posted++;
        sendJson(res, 200, { ok: true });
      },
      'GET /v1/missing': (_r, res) => sendJson(res, 404, { error: { code: 'JOB_NOT_FOUND', message: 'no' } }),
    });
    try {
      const dead = `http://127.0.0.1:${await closedPort()}`;
      const client = new CoordinatorClient({ url: dead, fallbackUrls: [stub.url], fetch: transport });
      expect(await client.postJson('/v1/jobs', { spec: 1 })).toEqual({ ok: true });
      expect(client.url).toBe(stub.url);
      expect(posted).toBe(1);
      // An answer, even an error, is no reason to move: the coordinator was reached.
      await expect(client.getJson('/v1/missing')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      expect(client.url).toBe(stub.url);
      // None reachable: the error names the last one tried.
      const none = new CoordinatorClient({ url: dead, fallbackUrls: [dead], fetch: transport });
      await expect(none.getJson('/v1/network')).rejects.toMatchObject({ code: 'COORDINATOR_UNAVAILABLE' });
    } finally {
      await stub.close();
    }
  });
});
