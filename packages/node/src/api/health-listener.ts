import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdlegridError } from '@idlegrid/protocol';

export interface HealthListener {
  /** `http://host:port`: GET `${url}/healthz`. */
  url: string;
  close(): Promise<void>;
}

/**
 * `/healthz` on a port of its own, for monitors that must get an answer during a storm of new
 * connections: the API's port accepts connections in turn, and a probe's connection waited
 * seconds behind hundreds of clients' in the soak benchmark, though answering it takes
 * microseconds. A separate listening socket has a queue of its own. It answers what the API's
 * /healthz answers; anything else is 404 in the API's error shape.
 */
export function startHealthListener(host: string, port: number): Promise<HealthListener> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return Promise.reject(
      new IdlegridError('INVALID_ARGUMENT', 'the health port must be an integer from 0 to 65535', {
        details: { port },
      }),
    );
  }
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const found = request.method === 'GET' && path === '/healthz';
    const body = found
      ? { ok: true }
      : { error: { code: 'ROUTE_NOT_FOUND', message: 'this port serves GET /healthz only', details: {} } };
    response.writeHead(found ? 200 : 404, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  });
  // Monitors poll: a kept-alive probe connection must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shown}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
