import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpendingLedger } from './spending-policy.js';

const GRID = 10n ** 18n;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-ledger-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );

describe("an agent's spending ledger", () => {
  const policy = { perCall: GRID, perDay: 2n * GRID, runtimes: ['wasm'], models: [] };

  it('holds what calls in flight may cost, so that concurrent calls cannot pass the day cap together', async () => {
    const ledger = new SpendingLedger(join(dir, 'a.json'), policy);
    const calls = await Promise.all([1, 2, 3].map(() => codeOf(ledger.authorize(GRID, { runtime: 'wasm' }))));
    expect(calls.sort()).toEqual(['SPENDING_REFUSED', 'no error', 'no error']);
    // One costs less than it was allowed: what is left is free again.
    await ledger.settle(GRID, GRID / 4n);
    expect(await codeOf(ledger.authorize(GRID / 2n, { runtime: 'wasm' }))).toBe('no error');
    expect(await codeOf(ledger.authorize(GRID, { runtime: 'wasm' }))).toBe('SPENDING_REFUSED');
  });

  it('refuses calls over the call cap and outside the runtimes, and remembers the day across restarts', async () => {
    const file = join(dir, 'b.json');
    const ledger = new SpendingLedger(file, policy);
    expect(await codeOf(ledger.authorize(2n * GRID, { runtime: 'wasm' }))).toBe('SPENDING_REFUSED');
    expect(await codeOf(ledger.authorize(1n, { runtime: 'llm' }))).toBe('SPENDING_REFUSED');
    await ledger.authorize(GRID, { runtime: 'wasm' });
    await ledger.settle(GRID, (3n * GRID) / 2n);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ spent: ((3n * GRID) / 2n).toString() });
    const restarted = new SpendingLedger(file, policy);
    expect(await restarted.spentToday()).toBe((3n * GRID) / 2n);
    expect(await codeOf(restarted.authorize(GRID, { runtime: 'wasm' }))).toBe('SPENDING_REFUSED');
    // Another day starts from nothing.
    const tomorrow = new SpendingLedger(file, policy, () => new Date(Date.now() + 86_400_000));
    expect(await tomorrow.spentToday()).toBe(0n);
  });
});
