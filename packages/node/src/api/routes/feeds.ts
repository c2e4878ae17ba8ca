import { IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress } from 'viem';
import { cellAggregates } from '../../feeds/aggregates.js';
import type { FeedRewards } from '../../feeds/feed-rewards.js';
import { type FeedIngest, MAX_READINGS_PER_BATCH } from '../../feeds/ingest.js';
import { mainReason } from '../../feeds/quality/quality-checks.js';
import { reportInput } from '../../feeds/reports/report-input.js';
import type { FeedStore } from '../../store/feed-store.js';
import type { ReadingScoreStore } from '../../store/reading-score-store.js';

/** Devices and their feeds of signed readings, and how each reading was scored (docs/feeds.md). */
export function feedRoutes(
  app: FastifyInstance,
  deps: { ingest: FeedIngest; store: FeedStore; scores: ReadingScoreStore; rewards: FeedRewards },
): void {
  const json = (value: unknown) => JSON.parse(toWireJson(value)) as unknown;
  /** Reads of a feed no reading was ever taken in are refused: a misspelt name is not an empty feed. */
  const knownFeed = async (feed: string) => {
    if (!(await deps.store.exists(feed)))
      throw new IdlegridError('FEED_NOT_FOUND', `no reading was ever taken in feed "${feed}"`, {
        details: { feed },
      });
  };

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
      await knownFeed(request.params.feed);
      const readings = await deps.store.list(request.params.feed, {
        limit: limit ?? 100,
        ...(device ? { device: getAddress(device) } : {}),
      });
      const quality = await deps.scores.qualityOf(readings);
      return json({
        readings: readings.map((reading) => {
          const scored = quality.get(`${reading.device.toLowerCase()}/${reading.seq}`);
          if (!scored) return reading;
          const reason = mainReason(scored.checks);
          return { ...reading, quality: { ...scored, ...(reason ? { reason: reason.why } : {}) } };
        }),
      });
    },
  );

  app.get('/v1/feeds', async () => json({ feeds: await deps.scores.feeds() }));

  app.post('/v1/feeds/consent', async (request) =>
    json(await deps.ingest.consent((request.body as { consent?: unknown } | null)?.consent)),
  );

  app.get<{
    Params: { feed: string };
    Querystring: { quantity: string; from?: number; until?: number; k?: number; epsilon?: number };
  }>('/v1/feeds/:feed/aggregates', async (request) => {
    const { quantity, from, until, k, epsilon } = request.query;
    await knownFeed(request.params.feed);
    return json(
      await cellAggregates(deps.scores, {
        feed: request.params.feed,
        quantity,
        from: from ?? 0,
        until: until ?? Date.now(),
        minDevices: k ?? 5,
        ...(epsilon === undefined ? {} : { epsilon }),
      }),
    );
  });

  app.get<{ Params: { feed: string }; Querystring: { quantity: string; from: number; until?: number } }>(
    '/v1/feeds/:feed/report-input',
    async (request) => {
      const { quantity, from, until } = request.query;
      await knownFeed(request.params.feed);
      const readings = await deps.scores.rewardedValues(
        request.params.feed,
        quantity,
        from,
        until ?? Date.now(),
      );
      const { bytes, ...input } = reportInput(readings, from);
      return json({ ...input, input: Buffer.from(bytes).toString('base64') });
    },
  );

  app.get<{ Params: { feed: string } }>('/v1/feeds/:feed/devices', async (request) => {
    await knownFeed(request.params.feed);
    return json({ devices: await deps.scores.devices(request.params.feed) });
  });

  app.post<{ Params: { feed: string } }>('/v1/feeds/:feed/fundings', async (request, reply) => {
    const funding = await deps.rewards.fund(
      request.params.feed,
      (request.body as { funding?: unknown } | null)?.funding,
    );
    return reply.status(201).send(json({ funding }));
  });

  app.get<{ Params: { id: string } }>('/v1/feed-fundings/:id', async (request) =>
    json({ funding: await deps.rewards.status(request.params.id) }),
  );

  app.post<{ Params: { id: string } }>('/v1/feed-fundings/:id/payment', async (request) => {
    const vouchers = (request.body as { vouchers?: unknown } | null)?.vouchers;
    if (!Array.isArray(vouchers) || vouchers.length === 0 || vouchers.length > 1_000)
      throw new IdlegridError('INVALID_ARGUMENT', 'vouchers must list 1 to 1,000 signed vouchers');
    return json({ funding: await deps.rewards.pay(request.params.id, vouchers) });
  });

  app.get<{ Params: { owner: string } }>('/v1/feed-rewards/:owner', async (request) => {
    if (!isAddress(request.params.owner))
      throw new IdlegridError('INVALID_ARGUMENT', 'owner is not an address');
    return json({ rewards: await deps.rewards.rewardsFor(getAddress(request.params.owner)) });
  });
}
