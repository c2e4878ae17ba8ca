import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CoordinatorClient } from './coordinator-client.js';
import { sendJson, startStubServer } from './stub-server.js';

/** A port nobody listens on: bind one, then free it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('CoordinatorClient', () => {
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
      const client = new CoordinatorClient({ url: `${stub.url}/`, timeoutMs: 200 });
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
      await expect(client.getJson('/slow')).rejects.toMatchObject({
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
    await expect(new CoordinatorClient({ url }).getJson('/v1/jobs')).rejects.toMatchObject({
      code: 'COORDINATOR_UNAVAILABLE',
      details: { url, reason: 'ECONNREFUSED' },
    });
  });

  it('refuses URLs that are not http(s)', () => {
    expect(() => new CoordinatorClient({ url: 'ftp://example.com' })).toThrow('http(s)');
    expect(() => new CoordinatorClient({ url: 'nope' })).toThrow('not a coordinator URL');
  });
});
