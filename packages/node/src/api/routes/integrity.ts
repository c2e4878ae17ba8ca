import { toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { ProviderRegistry } from '../../coordinator/provider-registry.js';
import type { SybilSnapshot } from '../../coordinator/sybil-watch.js';

export interface IntegrityRouteDeps {
  registry: ProviderRegistry;
  /** The sybil detector's latest pass; none before its first. */
  sybil?: (() => SybilSnapshot | undefined) | undefined;
}

/** Read-only findings for operators: `/v1/integrity/collusion` (collusion, wash trading) and `/v1/integrity/sybil`. */
export function integrityRoutes(app: FastifyInstance, deps: IntegrityRouteDeps): void {
  app.get('/v1/integrity/collusion', async (_request, reply) =>
    reply.type('application/json').send(toWireJson(deps.registry.collusion.snapshot())),
  );
  app.get('/v1/integrity/sybil', async (_request, reply) =>
    reply
      .type('application/json')
      .send(toWireJson(deps.sybil?.() ?? ({ at: 0, clusters: [], challenged: [] } satisfies SybilSnapshot))),
  );
}
