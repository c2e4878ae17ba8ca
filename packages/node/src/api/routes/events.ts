import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { JobEventBus } from '../../coordinator/job-event-bus.js';
import type { JobRecord, JobStore } from '../../jobs/api.js';
import { isJobState } from '../../jobs/job-states.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { hasResult, type ResultBundle, resultBundle } from '../result-bundle.js';

const KEEPALIVE_MS = 15_000;

/** Each published job version is serialized once, however many streams carry it. */
const frames = new WeakMap<JobRecord, string>();
function frameOf(job: JobRecord): string {
  let frame = frames.get(job);
  if (frame === undefined) {
    frame = `event: job\nid: ${job.id}:${job.version}\ndata: ${toWireJson(job)}\n\n`;
    frames.set(job, frame);
  }
  return frame;
}

interface EventsQuery {
  client?: string;
  job?: string;
  states?: string;
  results?: string;
}

/** A finished job with its result (see result-bundle.ts): one frame, so that neither waits for the other. */
function resultFrameOf(job: JobRecord, result: ResultBundle): string {
  return `event: result\nid: ${job.id}:${job.version}\ndata: ${toWireJson({ job, result })}\n\n`;
}

/**
 * Server-sent events: one `job` event per job change, optionally only one client's jobs
 * (`?client=`), one job's (`?job=`), or changes into some states (`?states=a,b`).
 * A stream for one job starts with its current record, whatever `states` says, so a client
 * waiting for a job needs this one request: no read before it, none after it opens. With
 * `results=inline`, a job that has a result comes as a `result` event carrying the job and its
 * result together: a client running many jobs needs no request per job at all.
 */
export function eventRoutes(
  app: FastifyInstance,
  deps: { bus: JobEventBus; store: JobStore; artifacts: ArtifactStore },
): void {
  app.get<{ Querystring: EventsQuery }>('/v1/events', async (request, reply) => {
    const client = request.query.client?.toLowerCase();
    const jobId = request.query.job?.toLowerCase();
    const states = request.query.states === undefined ? undefined : new Set(request.query.states.split(','));
    if (states && ![...states].every(isJobState))
      throw new IdlegridError('INVALID_ARGUMENT', `unknown state in ${request.query.states}`);
    if (request.query.results !== undefined && request.query.results !== 'inline')
      throw new IdlegridError('INVALID_ARGUMENT', 'results may only be inline');
    const inlineResults = request.query.results === 'inline';
    // An unknown job is an error answer, not an empty stream.
    if (request.query.job !== undefined) await deps.store.get(request.query.job);
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    stream.write(': connected\n\n');
    const send = (job: JobRecord) => {
      if (!inlineResults || !hasResult(job)) return void stream.write(frameOf(job));
      resultBundle(deps.artifacts, job).then(
        (result) => !stream.destroyed && stream.write(resultFrameOf(job, result)),
        // The result is gone (erased meanwhile): the job alone, the client asks for the rest.
        () => !stream.destroyed && stream.write(frameOf(job)),
      );
    };
    const unsubscribe = deps.bus.subscribe((job) => {
      if (client !== undefined && job.client.toLowerCase() !== client) return;
      if (jobId !== undefined && job.id.toLowerCase() !== jobId) return;
      if (states !== undefined && !states.has(job.state)) return;
      send(job);
    });
    const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
    request.raw.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
    // Read after subscribing: a change made meanwhile arrives as an event (versions order them).
    if (request.query.job !== undefined) {
      try {
        send(await deps.store.get(request.query.job));
      } catch {
        stream.end(); // the store failed mid-stream: the client falls back to polling
      }
    }
  });
}
