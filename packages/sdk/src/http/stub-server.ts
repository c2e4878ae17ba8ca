import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  body: string;
}

export type StubHandler = (request: StubRequest, response: ServerResponse) => void;

/**
 * A tiny HTTP server for SDK unit tests: routes `METHOD /path` (query included) to a
 * handler and records every request. Unrouted requests get the API's 404 error body.
 */
export async function startStubServer(routes: Record<string, StubHandler>) {
  const requests: StubRequest[] = [];
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    let body = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => {
      body += chunk;
    });
    incoming.on('end', () => {
      const request = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', body };
      requests.push(request);
      const handler = routes[`${request.method} ${request.path}`];
      if (handler) return handler(request, response);
      sendJson(response, 404, {
        error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.path}`, details: {} },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
