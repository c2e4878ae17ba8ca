import { toWireJson } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { FlRunner } from '../../fl/coordinator/fl-runner.js';

/** Federated runs (docs/federated.md): started by a signed FlRun, then read round by round. */
export function flRoutes(app: FastifyInstance, runner: FlRunner): void {
  const json = (value: unknown) => JSON.parse(toWireJson(value)) as unknown;

  app.post('/v1/fl/runs', async (request, reply) => {
    const run = await runner.submit(request.body);
    return reply.status(201).send(json({ run }));
  });

  app.get<{ Querystring: { client?: string } }>('/v1/fl/runs', async (request) =>
    json({ runs: await runner.list(request.query.client) }),
  );

  app.get<{ Params: { id: string } }>('/v1/fl/runs/:id', async (request) =>
    json({ run: await runner.view(request.params.id) }),
  );

  app.post<{ Params: { id: string; round: number } }>(
    '/v1/fl/runs/:id/rounds/:round/payment',
    async (request) =>
      json({
        round: await runner.payRound(request.params.id, Number(request.params.round), request.body as never),
      }),
  );

  app.get<{ Params: { id: string }; Querystring: { round?: number } }>(
    '/v1/fl/runs/:id/model',
    async (request, reply) => {
      const bundle = await runner.model(request.params.id, request.query.round);
      return reply.type('application/octet-stream').send(Buffer.from(bundle));
    },
  );
}
