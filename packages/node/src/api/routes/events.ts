import { toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { JobEventBus } from '../../coordinator/job-event-bus.js';

const KEEPALIVE_MS = 15_000;

/** Server-sent events: one `job` event per job change, optionally for one client only. */
export function eventRoutes(app: FastifyInstance, deps: { bus: JobEventBus }): void {
  app.get<{ Querystring: { client?: string } }>('/v1/events', (request, reply) => {
    const client = request.query.client?.toLowerCase();
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
      stream.write(`event: job\nid: ${job.id}:${job.version}\ndata: ${toWireJson(job)}\n\n`);
    });
    const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
    request.raw.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  });
}
