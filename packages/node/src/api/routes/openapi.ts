import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi/openapi-document.js';

/** `GET /v1/openapi.json`: the API's contract, built once from its route table. */
export function openApiRoutes(app: FastifyInstance, options: { artifactBodyLimit: number }): void {
  let document: string | undefined;
  app.get('/v1/openapi.json', async (_request, reply) => {
    document ??= JSON.stringify(openApiDocument(options));
    return reply.type('application/json').send(document);
  });
}
