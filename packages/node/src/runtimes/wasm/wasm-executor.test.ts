import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { Executor } from '../api.js';
import {
  exitWith,
  growThenExitWithSize,
  growThenTrap,
  importing,
  openInScratch,
  spinForever,
  writeRepeatedly,
} from './test-modules.js';
import { createWasmExecutor } from './wasm-executor.js';

const scratchParent = mkdtempSync(join(tmpdir(), 'idlegrid-wasm-test-'));
const executor: Executor = createWasmExecutor({ scratchParent, limits: { wallTimeMs: 5_000 } });
afterAll(() => rmSync(scratchParent, { recursive: true, force: true }));

async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isIdlegridError(error) ? error.code : error).toBe(code);
  return error;
}

function descriptorsInto(dir: string): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(dir));
}

describe('wasm executor', () => {
  it('returns a non-zero exit code as a normal result', async () => {
    const task = await executor.prepare(exitWith(7));
    const result = await task.run({});
    expect(result.exitCode).toBe(7);
    expect(result.stdout).toHaveLength(0);
    expect(result.limits.wallTimeMs).toBe(5_000);
  });

  it('refuses invalid bytes and modules that are not WASI commands', async () => {
    await expectCode(executor.prepare(new TextEncoder().encode('not wasm')), 'WASM_INVALID_MODULE');
    const bytes = exitWith(0);
    await expectCode(executor.prepare(bytes.subarray(0, bytes.length - 3)), 'WASM_INVALID_MODULE');
  });

  it('refuses imports other than WASI preview1 functions', async () => {
    const error = await expectCode(executor.prepare(importing('env', 'now')), 'WASM_FORBIDDEN_IMPORT');
    expect(isIdlegridError(error) && error.details.imports).toEqual(['env.now (function)']);
    await expectCode(
      executor.prepare(importing('wasi_snapshot_preview1', 'open_socket')),
      'WASM_FORBIDDEN_IMPORT',
    );
  });

  it('stops a module that runs past its wall-time limit', async () => {
    const task = await executor.prepare(spinForever());
    const started = Date.now();
    await expectCode(task.run({}, { limits: { wallTimeMs: 300 } }), 'WASM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('caps linear memory at the limit: growth beyond it fails inside the module', async () => {
    const limit = 2 * 1024 * 1024; // 32 pages
    const unbounded = await executor.prepare(growThenExitWithSize());
    expect((await unbounded.run({}, { limits: { memoryBytes: limit } })).exitCode).toBe(32);
    expect((await unbounded.run({}, { limits: { memoryBytes: limit / 2 } })).exitCode).toBe(16);
    const bounded = await executor.prepare(growThenExitWithSize({ min: 1, max: 8 }));
    expect((await bounded.run({}, { limits: { memoryBytes: limit } })).exitCode).toBe(8);
  });

  it('refuses a module whose initial memory exceeds the limit', async () => {
    const task = await executor.prepare(growThenExitWithSize({ min: 64 }));
    await expectCode(task.run({}, { limits: { memoryBytes: 1024 * 1024 } }), 'WASM_MEMORY_LIMIT');
  });

  it('reports a trap as WASM_TRAP', async () => {
    const task = await executor.prepare(growThenTrap());
    const error = await expectCode(task.run({}, { limits: { memoryBytes: 1024 * 1024 } }), 'WASM_TRAP');
    expect(isIdlegridError(error) && error.details.memoryBytes).toBe(1024 * 1024);
  });

  it('cancels through the AbortSignal', async () => {
    const task = await executor.prepare(spinForever());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expectCode(task.run({}, { signal: controller.signal }), 'ABORTED');
    await expectCode(task.run({}, { signal: AbortSignal.abort() }), 'ABORTED');
  });

  it('truncates output at the cap and says so', async () => {
    const task = await executor.prepare(writeRepeatedly('0123456789', 1000));
    const capped = await task.run({}, { limits: { outputBytes: 25 } });
    expect(new TextDecoder().decode(capped.stdout)).toBe('0123456789012345678901234');
    expect(capped.stdoutTruncated).toBe(true);
    expect(capped.stderrTruncated).toBe(false);
    const full = await task.run({});
    expect(full.stdout).toHaveLength(10_000);
    expect(full.stdoutTruncated).toBe(false);
  });

  it('gives each run a private scratch directory that is removed afterwards', async () => {
    const roundTrip = await executor.prepare(openInScratch('secret.txt', { create: true, reopen: true }));
    expect((await roundTrip.run({})).exitCode).toBe(0);
    // A later run cannot see the file the earlier one created: ENOENT (44).
    const open = await executor.prepare(openInScratch('secret.txt', { create: false }));
    expect((await open.run({})).exitCode).toBe(44);
    // Nor escape the preopen: ENOTCAPABLE (76) or EPERM-like errors, never success.
    const outside = await executor.prepare(openInScratch('../stdin', { create: false }));
    expect((await outside.run({})).exitCode).not.toBe(0);
    const spin = await executor.prepare(spinForever());
    await expectCode(spin.run({}, { limits: { wallTimeMs: 200 } }), 'WASM_TIMEOUT');
    expect(readdirSync(scratchParent)).toEqual([]);
    expect(descriptorsInto(scratchParent)).toEqual([]);
  });
});
