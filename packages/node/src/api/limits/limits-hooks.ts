import type { FastifyInstance } from 'fastify';
import type { RequestLimits } from './request-limits.js';

/** Routes that answer however loaded the coordinator is: what monitoring and orchestrators poll. */
const UNLIMITED = new Set(['/healthz', '/metrics']);

/**
 * Checks every request before its body is read: shed while the event loop lags, then one
 * token of its remote IP's bucket. Unknown routes count too (a flood of 404s is a flood).
 * The event-loop monitor runs while the server is up.
 */
export function applyLimits(app: FastifyInstance, limits: RequestLimits): void {
  app.addHook('onRequest', async (request) => {
    if (UNLIMITED.has(request.routeOptions.url ?? '')) return;
    limits.checkRequest(request.ip);
  });
  app.addHook('onReady', async () => limits.start());
  app.addHook('onClose', async () => limits.stop());
}
