import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ArtifactStore } from '../storage/artifact-store.js';

/** What a test server does with one GET: serve honestly, serve other bytes, or hang up half-way. */
export type ServeMode = 'honest' | 'lie' | 'drop';

export interface TestArtifactServer {
  url: string;
  /** Range headers of every GET, in order (undefined for whole-file requests). */
  gets: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * A tiny node:http artifact server (GET with Range, POST) over an ArtifactStore, for tests on
 * 127.0.0.1. `modeOf` picks per request how it (mis)behaves.
 */
export async function startArtifactServer(
  store: ArtifactStore,
  modeOf: (getIndex: number) => ServeMode = () => 'honest',
): Promise<TestArtifactServer> {
  const gets: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'POST' && request.url === '/v1/artifacts') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const info = await store.put(Buffer.concat(chunks));
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(info));
      return;
    }
    const match = /^\/v1\/artifacts\/([a-z0-9]+)$/.exec(request.url ?? '');
    const mode = modeOf(gets.length);
    gets.push(request.headers.range);
    const bytes = match ? await store.bytes(match[1]!).catch(() => undefined) : undefined;
    if (!bytes) {
      response.writeHead(404).end();
      return;
    }
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    const body = mode === 'lie' ? bytes.map((byte) => byte ^ 0xff) : bytes.subarray(start);
    const headers = { 'content-length': String(body.byteLength) };
    if (start > 0)
      response.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      });
    else response.writeHead(200, headers);
    if (mode !== 'drop') {
      response.end(body);
      return;
    }
    response.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => response.destroy());
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
