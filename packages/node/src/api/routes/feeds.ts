import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress } from 'viem';
import { type FeedIngest, MAX_READINGS_PER_BATCH } from '../../feeds/ingest.js';
import type { FeedStore } from '../../store/feed-store.js';

/** Devices and their feeds of signed readings (docs/feeds.md). */
export function feedRoutes(app: FastifyInstance, deps: { ingest: FeedIngest; store: FeedStore }): void {
  const json = (value: unknown) => JSON.parse(toWireJson(value)) as unknown;

  app.post('/v1/devices', async (request, reply) => {
    const body = request.body as { binding?: unknown; deviceSignature?: unknown } | null;
    const device = await deps.ingest.register(body?.binding, body?.deviceSignature);
    return reply.status(201).send(json({ device }));
  });

  app.post<{ Params: { feed: string } }>('/v1/feeds/:feed/readings', async (request) => {
    const readings = (request.body as { readings?: unknown } | null)?.readings;
    if (!Array.isArray(readings) || readings.length === 0 || readings.length > MAX_READINGS_PER_BATCH)
      throw new IdlegridError(
        'INVALID_ARGUMENT',
        `readings must list 1 to ${MAX_READINGS_PER_BATCH} signed readings`,
      );
    const results = await deps.ingest.ingest(request.params.feed, readings);
    return { accepted: results.filter((r) => 'accepted' in r).length, results };
  });

  app.get<{ Params: { feed: string }; Querystring: { device?: string; limit?: number } }>(
    '/v1/feeds/:feed/readings',
    async (request) => {
      const { device, limit } = request.query;
      if (device !== undefined && !isAddress(device))
        throw new IdlegridError('INVALID_ARGUMENT', 'device is not an address');
      const readings = await deps.store.list(request.params.feed, {
        limit: limit ?? 100,
        ...(device ? { device: getAddress(device) } : {}),
      });
      return json({ readings });
    },
  );
}
