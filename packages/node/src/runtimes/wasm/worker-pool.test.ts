import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { exitWith, growThenTrap, spinForever, writeRepeatedly } from './test-modules.js';
import { createWasmExecutor, type WasmExecutorOptions } from './wasm-executor.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

const scratchParent = mkdtempSync(join(tmpdir(), 'idlegrid-pool-test-'));
afterAll(() => rmSync(scratchParent, { recursive: true, force: true }));

/** An executor on a pool of its own, closed after the test file. */
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});
function setup(poolOptions: WorkerPoolOptions = {}, options: WasmExecutorOptions = {}) {
  const pool = new WorkerPool(poolOptions);
  const executor = createWasmExecutor({ scratchParent, pool, limits: { wallTimeMs: 5_000 }, ...options });
  closers.push(
    () => pool.close(),
    () => executor.close(),
  );
  return { pool, executor };
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return isIdlegridError(error) ? error.code : error;
}

describe('wasm worker pool', () => {
  it('runs many tasks in turn on one warm worker', async () => {
    const { pool, executor } = setup();
    expect(pool.stats()).toEqual({ spawned: 1, idle: 1, busy: 0, runs: 0 }); // pre-warmed
    const task = await executor.prepare(exitWith(3));
    for (let i = 0; i < 30; i++) expect((await task.run({})).exitCode).toBe(3);
    expect(pool.stats()).toEqual({ spawned: 1, idle: 1, busy: 0, runs: 30 });
  });

  it('keeps a worker after a trap, and replaces one after a timeout', async () => {
    const { pool, executor } = setup();
    const trap = await executor.prepare(growThenTrap());
    expect(await codeOf(trap.run({}, { limits: { memoryBytes: 1024 * 1024 } }))).toBe('WASM_TRAP');
    expect(pool.stats()).toMatchObject({ spawned: 1, idle: 1 });
    const spin = await executor.prepare(spinForever());
    expect(await codeOf(spin.run({}, { limits: { wallTimeMs: 200 } }))).toBe('WASM_TIMEOUT');
    expect(pool.stats()).toMatchObject({ spawned: 1, idle: 0 });
    const ok = await executor.prepare(exitWith(0));
    expect((await ok.run({})).exitCode).toBe(0);
    expect(pool.stats()).toEqual({ spawned: 2, idle: 1, busy: 0, runs: 3 });
  });

  it('gives concurrent runs separate workers and keeps at most maxIdlePerKey of them', async () => {
    const { pool, executor } = setup({ maxIdlePerKey: 2, growAfterMs: 0 });
    const spin = await executor.prepare(spinForever());
    const spinning = Array.from({ length: 3 }, () => codeOf(spin.run({}, { limits: { wallTimeMs: 500 } })));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pool.stats()).toMatchObject({ spawned: 3, busy: 3, idle: 0 });
    expect(await Promise.all(spinning)).toEqual(['WASM_TIMEOUT', 'WASM_TIMEOUT', 'WASM_TIMEOUT']);
    // Slow enough to overlap: three workers busy at once, two kept afterwards.
    const write = await executor.prepare(writeRepeatedly('0123456789', 100_000));
    const results = await Promise.all(Array.from({ length: 3 }, () => write.run({})));
    expect(results.map((result) => result.stdout.length)).toEqual([1_000_000, 1_000_000, 1_000_000]);
    expect(pool.stats()).toEqual({ spawned: 6, idle: 2, busy: 0, runs: 6 });
  });

  it("ends a burst's idle workers once idle too long, and keeps one warm", async () => {
    // Margins of 100 ms and more each way: a loaded machine fires timers late
    const { pool, executor } = setup({ maxIdlePerKey: 3, idleTimeoutMs: 600, growAfterMs: 0 });
    const write = await executor.prepare(writeRepeatedly('0123456789', 100_000));
    await Promise.all(Array.from({ length: 3 }, () => write.run({})));
    expect(pool.stats()).toMatchObject({ spawned: 3, idle: 3 });
    // A worker used again is idle afresh: its clock starts over.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await write.run({});
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pool.stats()).toMatchObject({ idle: 1 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(pool.stats()).toMatchObject({ spawned: 3, idle: 1 });
    await write.run({});
    expect(pool.stats()).toMatchObject({ spawned: 3, idle: 1, runs: 5 });
  });

  it('serves short runs that overlap from the worker about to be free, not from new ones', async () => {
    // A wait far longer than a run, so that a loaded machine gives the same answer.
    const { pool, executor } = setup({ growAfterMs: 5_000 });
    const task = await executor.prepare(exitWith(0));
    for (let i = 0; i < 10; i++) await Promise.all([task.run({}), task.run({})]);
    expect(pool.stats()).toMatchObject({ spawned: 1, runs: 20 });
    // Without the wait, each overlap would start a worker.
    const eager = setup({ growAfterMs: 0 });
    const eagerTask = await eager.executor.prepare(exitWith(0));
    await Promise.all([eagerTask.run({}), eagerTask.run({})]);
    expect(eager.pool.stats()).toMatchObject({ spawned: 2 });
  });

  it('does not grow when this thread stalled past the wait while the busy worker finished', async () => {
    const { pool, executor } = setup({ growAfterMs: 150 });
    const task = await executor.prepare(writeRepeatedly('0123456789', 200_000));
    const started = performance.now();
    await task.run({}); // compiled and warm; how long a run takes here
    const runMs = performance.now() - started;
    const first = task.run({});
    const second = task.run({});
    // The second waits for the first's worker (the first still runs)
    await new Promise((resolve) => setTimeout(resolve, Math.min(20, runMs / 4)));
    // Blocked past the wait (in a callback after I/O, as a message handler would be): the first run
    // ends meanwhile, and the next turn of the loop fires the timer before it reads the message.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const until = performance.now() + 150 + runMs * 2;
        while (performance.now() < until);
        resolve();
      }),
    );
    await Promise.all([first, second]);
    expect(pool.stats()).toMatchObject({ spawned: 1, runs: 3 });
  });

  it('never lets idle workers keep the process alive', async () => {
    const referenced = () => process.getActiveResourcesInfo().filter((kind) => kind === 'MessagePort').length;
    const before = referenced();
    // Three workers for three overlapping runs (no wait for a busy one)
    const { pool, executor } = setup({ maxIdlePerKey: 3, growAfterMs: 0 });
    const task = await executor.prepare(writeRepeatedly('x', 10));
    await Promise.all(Array.from({ length: 3 }, () => task.run({})));
    expect(pool.stats()).toMatchObject({ idle: 3, busy: 0 });
    // At most `before`: a worker an earlier test retired may still be letting go of its port.
    expect(referenced()).toBeLessThanOrEqual(before);
  });

  it('keeps idle workers per heap limit', async () => {
    const { pool, executor } = setup();
    const task = await executor.prepare(exitWith(0));
    await task.run({}, { limits: { outputBytes: 16 * 2 ** 20 } });
    await task.run({});
    await task.run({}, { limits: { outputBytes: 16 * 2 ** 20 } });
    expect(pool.stats()).toEqual({ spawned: 2, idle: 2, busy: 0, runs: 3 });
  });

  it('replaces a worker after maxRunsPerWorker runs', async () => {
    const { pool, executor } = setup({ maxRunsPerWorker: 3 });
    const task = await executor.prepare(exitWith(0));
    for (let i = 0; i < 7; i++) await task.run({});
    expect(pool.stats()).toEqual({ spawned: 3, idle: 1, busy: 0, runs: 7 });
  });

  it('close() ends running and idle workers; later runs fail at once', async () => {
    const before = new Set(readdirSync(scratchParent));
    const pool = new WorkerPool();
    const executor = createWasmExecutor({ scratchParent, limits: { wallTimeMs: 5_000 }, pool });
    const spin = await executor.prepare(spinForever());
    const spinning = codeOf(spin.run({}));
    const idle = setup(); // another pool is left alone
    pool.prewarm(40);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pool.stats()).toEqual({ spawned: 2, busy: 1, idle: 1, runs: 0 });
    await pool.close();
    expect(await spinning).toBe('ABORTED');
    expect(pool.stats()).toMatchObject({ busy: 0, idle: 0 });
    expect(await codeOf(spin.run({}))).toBe('ABORTED');
    expect(idle.pool.stats()).toMatchObject({ idle: 1 });
    // The aborted run's directory is removed, not kept for reuse.
    expect(
      readdirSync(scratchParent).filter((name) => !before.has(name) && !name.startsWith('.spare-')),
    ).toEqual([]);
  });

  it("the executor's close() ends the pool it made, not one it was given", async () => {
    const given = setup();
    await given.executor.close();
    expect(given.pool.stats().idle).toBe(1);
    const own = createWasmExecutor({ scratchParent });
    const task = await own.prepare(exitWith(0));
    await own.close();
    expect(await codeOf(task.run({}))).toBe('ABORTED');
  });
});
