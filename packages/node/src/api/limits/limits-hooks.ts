import type { FastifyInstance } from 'fastify';
import { contractOf } from '../openapi/route-contracts.js';
import type { RequestLimits } from './request-limits.js';

/**
 * Checks every request before its body is read: shed while the event loop lags, then one
 * token of its remote IP's bucket. Unknown routes count too (a flood of 404s is a flood).
 * The event-loop monitor runs while the server is up.
 */
export function applyLimits(app: FastifyInstance, limits: RequestLimits): void {
  app.addHook('onRequest', async (request) => {
    // /healthz and /metrics answer however loaded the coordinator is: monitoring polls them.
    const route = request.routeOptions.url;
    if (route !== undefined && contractOf(request.method, route)?.unlimited) return;
    limits.checkRequest(request.ip);
  });
  app.addHook('onReady', async () => limits.start());
  app.addHook('onClose', async () => limits.stop());
}
