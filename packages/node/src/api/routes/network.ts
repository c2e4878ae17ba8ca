import { toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { ProviderRegistry } from '../../coordinator/provider-registry.js';
import type { JobStore } from '../../jobs/api.js';
import { JOB_STATES } from '../../jobs/job-states.js';

export function networkRoutes(
  app: FastifyInstance,
  deps: { registry: ProviderRegistry; store: JobStore },
): void {
  app.get('/v1/providers', async (_request, reply) => {
    const now = Date.now();
    const providers = deps.registry.list().map((entry) => ({
      address: entry.address,
      online: deps.registry.isOnline(entry.address, now),
      offer: entry.offer,
      lastSeen: entry.lastSeen,
      heartbeat: entry.heartbeat,
      activeJobs: deps.registry.activeJobs(entry.address),
      reputation: deps.registry.reputation.score(entry.address),
      suspendedUntil: deps.registry.scheduler.suspendedUntil(entry.address),
      jobsCompleted: entry.jobsCompleted,
      jobsFailed: entry.jobsFailed,
    }));
    return reply.type('application/json').send(toWireJson({ providers }));
  });

  app.get('/v1/stats', async (_request, reply) => {
    const now = Date.now();
    const jobs: Record<string, number> = {};
    for (const state of JOB_STATES)
      jobs[state] = (await deps.store.list({ states: [state], limit: 10_000 })).length;
    const providers = deps.registry.list();
    return reply.type('application/json').send(
      toWireJson({
        providers: {
          known: providers.length,
          online: providers.filter((p) => deps.registry.isOnline(p.address, now)).length,
        },
        jobs,
      }),
    );
  });
}
