import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress } from 'viem';
import type { JobIntake } from '../../coordinator/job-intake.js';
import type { JobStore } from '../../jobs/api.js';
import { isJobState } from '../../jobs/job-states.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';

interface ListQuery {
  client?: string;
  provider?: string;
  state?: string;
  limit?: string;
}

/** Outputs up to this size come inline with `/v1/jobs/:id/result`; larger ones by their CID. */
const INLINE_OUTPUT_BYTES = 256 * 1024;

export function jobRoutes(
  app: FastifyInstance,
  deps: { intake: JobIntake; store: JobStore; artifacts: ArtifactStore },
): void {
  const json = (value: unknown) => toWireJson(value);

  app.post('/v1/jobs', async (request, reply) => {
    const job = await deps.intake.submit(request.body);
    return reply.status(201).type('application/json').send(json({ job }));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request, reply) => {
    return reply.type('application/json').send(json({ job: await deps.store.get(request.params.id) }));
  });

  /**
   * An accepted job's result in one request: the manifest's stored bytes and, when small, its
   * outputs (base64). The client checks every part against its CID, so nothing here needs trust.
   */
  app.get<{ Params: { id: string } }>('/v1/jobs/:id/result', async (request, reply) => {
    const job = await deps.store.get(request.params.id);
    if (job.resultCid === null || (job.state !== 'accepted' && job.state !== 'settled')) {
      throw new IdlegridError('JOB_RESULT_UNAVAILABLE', `job ${job.id} is ${job.state}: it has no result`, {
        details: { jobId: job.id, state: job.state },
      });
    }
    const manifestBytes = await deps.artifacts.bytes(job.resultCid);
    const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Record<string, unknown>;
    // null: download it by its CID (too large to inline, or not stored here).
    const inline = async (cid: unknown) => {
      if (typeof cid !== 'string') return null;
      const size = await deps.artifacts.info(cid).then(
        (info) => info.size,
        () => Number.POSITIVE_INFINITY,
      );
      return size <= INLINE_OUTPUT_BYTES
        ? Buffer.from(await deps.artifacts.bytes(cid)).toString('base64')
        : null;
    };
    const [stdout, stderr] = await Promise.all([inline(manifest.stdoutCid), inline(manifest.stderrCid)]);
    return reply
      .type('application/json')
      .send(json({ manifest: Buffer.from(manifestBytes).toString('base64'), stdout, stderr }));
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
