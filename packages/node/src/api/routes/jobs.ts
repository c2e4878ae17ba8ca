import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress } from 'viem';
import type { JobIntake } from '../../coordinator/job-intake.js';
import type { JobStore } from '../../jobs/api.js';
import { isJobState } from '../../jobs/job-states.js';

interface ListQuery {
  client?: string;
  provider?: string;
  state?: string;
  limit?: string;
}

export function jobRoutes(app: FastifyInstance, deps: { intake: JobIntake; store: JobStore }): void {
  const json = (value: unknown) => toWireJson(value);

  app.post('/v1/jobs', async (request, reply) => {
    const job = await deps.intake.submit(request.body);
    return reply.status(201).type('application/json').send(json({ job }));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request, reply) => {
    return reply.type('application/json').send(json({ job: await deps.store.get(request.params.id) }));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/events', async (request, reply) => {
    await deps.store.get(request.params.id);
    return reply.type('application/json').send(json({ events: await deps.store.events(request.params.id) }));
  });

  app.post('/v1/jobs/:id/cancel', async (request, reply) => {
    return reply.type('application/json').send(json({ job: await deps.intake.cancel(request.body) }));
  });

  app.get<{ Querystring: ListQuery }>('/v1/jobs', async (request, reply) => {
    const { client, provider, state, limit } = request.query;
    const address = (value: string | undefined, name: string) => {
      if (value === undefined) return undefined;
      if (!isAddress(value)) throw new IdlegridError('INVALID_ARGUMENT', `${name} is not an address`);
      return getAddress(value);
    };
    const states = state?.split(',');
    if (states && !states.every(isJobState))
      throw new IdlegridError('INVALID_ARGUMENT', `unknown state in ${state}`);
    const count = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > 500) {
      throw new IdlegridError('INVALID_ARGUMENT', 'limit must be an integer from 1 to 500');
    }
    const clientAddress = address(client, 'client');
    const providerAddress = address(provider, 'provider');
    const jobs = await deps.store.list({
      limit: count,
      ...(clientAddress ? { client: clientAddress } : {}),
      ...(providerAddress ? { provider: providerAddress } : {}),
      ...(states ? { states: states.filter(isJobState) } : {}),
    });
    return reply.type('application/json').send(json({ jobs }));
  });
}
