import { toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { JobEventBus } from '../../coordinator/job-event-bus.js';
import type { JobRecord } from '../../jobs/api.js';

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

/**
 * Server-sent events: one `job` event per job change, optionally only one client's jobs
 * (`?client=`) or one job's (`?job=`): a client waiting for one job should not receive
 * every change of its other jobs in flight.
 */
export function eventRoutes(app: FastifyInstance, deps: { bus: JobEventBus }): void {
  app.get<{ Querystring: { client?: string; job?: string } }>('/v1/events', (request, reply) => {
    const client = request.query.client?.toLowerCase();
    const jobId = request.query.job?.toLowerCase();
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    stream.write(': connected\n\n');
    const unsubscribe = deps.bus.subscribe((job) => {
      if (client !== undefined && job.client.toLowerCase() !== client) return;
      if (jobId !== undefined && job.id.toLowerCase() !== jobId) return;
      stream.write(frameOf(job));
    });
    const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
    request.raw.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  });
}
