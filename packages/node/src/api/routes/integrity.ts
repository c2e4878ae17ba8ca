import { toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { ProviderRegistry } from '../../coordinator/provider-registry.js';

/** `/v1/integrity/collusion`: the latest collusion and wash-trading scan, read-only, for operators. */
export function integrityRoutes(app: FastifyInstance, deps: { registry: ProviderRegistry }): void {
  app.get('/v1/integrity/collusion', async (_request, reply) =>
    reply.type('application/json').send(toWireJson(deps.registry.collusion.snapshot())),
  );
}
