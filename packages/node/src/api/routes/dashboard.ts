import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The dashboard's built files (packages/dashboard/dist): `index.html` at `/` and the bundle
 * under `/assets/`. Asset names carry a content hash, so they are cached for good; the page
 * itself is not, so a rebuilt dashboard shows at the next load.
 */
export function dashboardRoutes(app: FastifyInstance, deps: { dashboardDir: string }): void {
  // Messages name what was asked for, never where the server keeps it.
  const send = async (reply: FastifyReply, path: string, name: string, cache: string) => {
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch {
      if (name === 'index.html')
        throw new IdlegridError('DASHBOARD_NOT_BUILT', 'this coordinator has no built dashboard', {
          details: { hint: 'npm run build' },
        });
      throw new IdlegridError('ROUTE_NOT_FOUND', `no dashboard asset ${name}`);
    }
    const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    return reply.type(type).header('cache-control', cache).send(body);
  };
  app.get('/', (_request, reply) =>
    send(reply, join(deps.dashboardDir, 'index.html'), 'index.html', 'no-cache'),
  );
  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const { name } = request.params;
    // Parameters arrive URL-decoded: an encoded slash or a dot-name must not leave the folder.
    if (!/^[\w-][\w.-]*$/.test(name))
      throw new IdlegridError('ROUTE_NOT_FOUND', `no dashboard asset ${name}`);
    return send(reply, join(deps.dashboardDir, 'assets', name), name, 'public, max-age=31536000, immutable');
  });
}
