import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorReply } from './error-reply.js';
import { dashboardRoutes } from './routes/dashboard.js';

let dir: string;
let app: FastifyInstance;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-dashboard-'));
  app = Fastify();
  app.setErrorHandler(errorReply);
  dashboardRoutes(app, { dashboardDir: dir });
});
afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dashboard routes', () => {
  it('serves index.html at / uncached and hashed assets cached for good', async () => {
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>idlegrid</title>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toContain('<title>idlegrid</title>');
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.body).toBe('console.log(1)');
  });

  it('never serves a file outside the assets folder', async () => {
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'secret.txt'), 'not for you');
    for (const url of ['/assets/..%2fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/missing.js']) {
      const answer = await app.inject({ url });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json().error.code, url).toBe('ROUTE_NOT_FOUND');
      expect(answer.body).not.toContain('not for you');
    }
  });

  it('says the dashboard is not built when it is not', async () => {
    const answer = await app.inject({ url: '/' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json().error.code).toBe('DASHBOARD_NOT_BUILT');
  });
});
