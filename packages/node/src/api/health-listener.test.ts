import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OffChainCoordinator, startOffChainCoordinator } from '../coordinator/testing.js';
import { startHealthListener } from './health-listener.js';

let coordinator: OffChainCoordinator;

beforeAll(async () => {
  coordinator = await startOffChainCoordinator('health', { healthPort: 0 });
});
afterAll(async () => {
  await coordinator?.stop();
});

describe('the health listener', () => {
  it('answers /healthz on a port of its own, as the API does, and nothing else', async () => {
    const { healthUrl, apiUrl } = coordinator.coordinator;
    expect(healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(healthUrl).not.toBe(apiUrl);
    const health = await fetch(`${healthUrl}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
    const api = await fetch(`${apiUrl}/healthz`);
    expect(await api.json()).toEqual({ ok: true });
    const other = await fetch(`${healthUrl}/v1/jobs`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('refuses a port that is not one, and closes', async () => {
    await expect(startHealthListener('127.0.0.1', Number.NaN)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const listener = await startHealthListener('127.0.0.1', 0);
    await listener.close();
    await expect(fetch(`${listener.url}/healthz`)).rejects.toThrow();
  });
});
