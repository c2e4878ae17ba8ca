import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress } from 'viem';
import type { JobIntake } from '../../coordinator/job-intake.js';
import type { JobRecord } from '../../jobs/api.js';
import { isJobState } from '../../jobs/job-states.js';
import { MAX_BATCH_JOBS } from '../batch-limit.js';
import type { RequestLimits } from '../limits/request-limits.js';
import { resultBundle } from '../result-bundle.js';
import { type EventsQuery, type StreamDeps, streamFilter, streamJobs } from './events.js';
import { submitBatch, submitOne } from './submissions.js';

/** As the route's contract (openapi/job-contracts.ts) parsed it: `limit` is a decimal integer in 1..500. */
interface ListQuery {
  client?: string;
  provider?: string;
  state?: string;
  limit?: number;
}

export function jobRoutes(
  app: FastifyInstance,
  deps: StreamDeps & { intake: JobIntake; limits: RequestLimits },
): void {
  const json = (value: unknown) => toWireJson(value);

  /**
   * A client asking for an event stream (`accept: text/event-stream`) gets the job's stream
   * instead of the record, filtered as `/v1/events` filters (`?states=&results=`), which ends
   * once the job's run is over: submitting and waiting for the result take one request.
   */
  app.post<{ Querystring: Omit<EventsQuery, 'job' | 'client'> }>('/v1/jobs', async (request, reply) => {
    const stream = request.headers.accept?.includes('text/event-stream') ?? false;
    const filter = stream ? streamFilter(request.query) : undefined;
    // The stream's place is held before the job is taken: a refused stream leaves no job behind.
    const closeStream = filter ? deps.limits.openStream(request.ip) : undefined;
    let job: JobRecord;
    try {
      job = await submitOne(deps, request.body);
    } catch (error) {
      closeStream?.();
      throw error;
    }
    if (filter)
      return streamJobs(request, reply, deps, { ...filter, endWhenDone: true, closeStream }, job.id);
    return reply.status(201).type('application/json').send(json({ job }));
  });

  /**
   * Many signed JobSpecs in one request, each taken or refused on its own: the answer lists,
   * in order, `{ job }` or `{ error }` (the code and message `POST /v1/jobs` would have sent).
   */
  app.post('/v1/jobs/batch', async (request, reply) => {
    const jobs = (request.body as { jobs?: unknown } | null)?.jobs;
    if (!Array.isArray(jobs) || jobs.length === 0 || jobs.length > MAX_BATCH_JOBS) {
      throw new IdlegridError('INVALID_ARGUMENT', `jobs must list 1 to ${MAX_BATCH_JOBS} signed JobSpecs`, {
        details: { max: MAX_BATCH_JOBS },
      });
    }
    // The request counted one for its IP; its other jobs count before any signature is checked.
    deps.limits.chargeIp(request.ip, jobs.length - 1);
    const release = deps.limits.admitSubmissions(jobs.length);
    try {
      const results = await submitBatch(deps, jobs);
      return reply.type('application/json').send(json({ results }));
    } finally {
      release();
    }
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request, reply) => {
    return reply.type('application/json').send(json({ job: await deps.store.get(request.params.id) }));
  });

  /** An accepted job's result in one request (see result-bundle.ts). */
  app.get<{ Params: { id: string } }>('/v1/jobs/:id/result', async (request, reply) => {
    const job = await deps.store.get(request.params.id);
    return reply.type('application/json').send(json(await resultBundle(deps.artifacts, job)));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/events', async (request, reply) => {
    await deps.store.get(request.params.id);
    return reply.type('application/json').send(json({ events: await deps.store.events(request.params.id) }));
  });

  /**
   * A private job's keys for one lease (a signed LeaseKeys, sealed to the leased provider), sent
   * by the job's client when its event stream asked for them (`keys` event).
   */
  app.post<{ Params: { id: string } }>('/v1/jobs/:id/keys', async (request, reply) => {
    if (!deps.leaseKeys)
      throw new IdlegridError('PRIVACY_UNSUPPORTED', 'this coordinator does not run private jobs');
    const delivered = await deps.leaseKeys.deliver(request.params.id, request.body);
    return reply.type('application/json').send(json(delivered));
  });

  app.post('/v1/jobs/:id/cancel', async (request, reply) => {
    const verified = await deps.intake.verify(request.body, 'JobCancel');
    deps.limits.chargeClients(new Map([[verified.message.client, { messages: 1, jobs: 0 }]]));
    return reply.type('application/json').send(json({ job: await deps.intake.cancelVerified(verified) }));
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
    const count = limit ?? 50;
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
