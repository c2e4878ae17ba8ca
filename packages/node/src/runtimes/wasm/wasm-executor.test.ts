import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { Executor } from '../api.js';
import {
  encodeModule,
  exitWith,
  growThenExitWithSize,
  growThenTrap,
  importing,
  openInScratch,
  sleb,
  spinForever,
  writeRepeatedly,
} from './test-modules.js';
import { createWasmExecutor } from './wasm-executor.js';

const scratchParent = mkdtempSync(join(tmpdir(), 'idlegrid-wasm-test-'));
const wasmExecutor = createWasmExecutor({ scratchParent, limits: { wallTimeMs: 5_000 } });
const executor: Executor = wasmExecutor;
afterAll(async () => {
  await wasmExecutor.close();
  rmSync(scratchParent, { recursive: true, force: true });
});

const I32 = 0x7f;
const I64 = 0x7e;
/** `_start` (function `imports.length`) runs `body`; function 0 is proc_exit. */
const commandWith = (
  imports: Array<{ name: string; params: number[] }>,
  body: number[],
  data: number[] = [],
) =>
  encodeModule({
    types: [
      { params: [], results: [] },
      { params: [I32], results: [] },
      ...imports.map(({ params }) => ({ params, results: [I32] })),
    ],
    imports: [
      { module: 'wasi_snapshot_preview1', name: 'proc_exit', type: 1 },
      ...imports.map(({ name }, i) => ({ module: 'wasi_snapshot_preview1', name, type: 2 + i })),
    ],
    memory: { min: 1 },
    funcs: [{ type: 0, locals: 2, body }],
    exports: [
      { name: 'memory', kind: 'memory', index: 0 },
      { name: '_start', kind: 'func', index: 1 + imports.length },
    ],
    data: [{ offset: 64, bytes: data }],
  });
const i32 = (value: number) => [0x41, ...sleb(value)];

/** Adds one to the i32 at address 0 and exits with it: 1 unless memory survived a run. */
const countInMemory = () =>
  commandWith(
    [],
    [...i32(0), ...i32(0), 0x28, 2, 0, ...i32(1), 0x6a, 0x36, 2, 0, ...i32(0), 0x28, 2, 0, 0x10, 0],
  );

/** Calls fd_close(0) and exits with its errno. */
const closeStdin = () => commandWith([{ name: 'fd_close', params: [I32] }], [...i32(0), 0x10, 1, 0x10, 0]);

/** Opens scratch file `f` `times` times, leaving every fd open; exits with the last fd, or an errno. */
const openMany = (times: number) =>
  commandWith(
    [{ name: 'path_open', params: [I32, I32, I32, I32, I32, I64, I64, I32, I32] }],
    [
      ...[0x02, 0x40, 0x03, 0x40], // block loop
      ...[
        ...i32(3),
        ...i32(0),
        ...i32(64),
        ...i32(1),
        ...i32(1),
        0x42,
        ...sleb(66),
        0x42,
        0,
        ...i32(0),
        ...i32(8),
      ],
      ...[0x10, 1, 0x22, 1, 0x0d, 1], // errno = path_open(...); if errno: break
      ...[0x20, 0, ...i32(1), 0x6a, 0x22, 0, ...i32(times), 0x47, 0x0d, 0, 0x0b, 0x0b], // ++i != times ? again
      ...[0x20, 1, 0x04, 0x40, 0x20, 1, 0x10, 0, 0x0b], // if errno: proc_exit(errno)
      ...[...i32(0), 0x28, 2, 8, 0x10, 0], // proc_exit(fd)
    ],
    [...new TextEncoder().encode('f')],
  );

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

  it('gives each run a private scratch directory, empty when it starts', async () => {
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
    // No run in progress; only emptied directories are kept for later runs (the one holding
    // secret.txt is gone).
    const entries = readdirSync(scratchParent);
    expect(entries.every((name) => name.startsWith('.spare-'))).toBe(true);
    for (const spareDir of entries) {
      for (const dir of readdirSync(join(scratchParent, spareDir))) {
        expect(readdirSync(join(scratchParent, spareDir, dir, 'scratch'))).toEqual([]);
      }
    }
    expect(descriptorsInto(scratchParent)).toEqual([]);
  });

  it('starts every task with fresh memory, though workers are reused', async () => {
    const task = await executor.prepare(countInMemory());
    for (let i = 0; i < 3; i++) expect((await task.run({})).exitCode).toBe(1);
  });

  it('closes every descriptor a task left open, over many runs', async () => {
    const leave = await executor.prepare(openInScratch('open.txt', { create: true, reopen: true }));
    const many = await executor.prepare(openMany(1100));
    await leave.run({});
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) expect((await leave.run({})).exitCode).toBe(0);
    // Past fd 1023 too: fds 4..1103 (3 is the preopen).
    expect((await many.run({})).exitCode).toBe(1103);
    expect(descriptorsInto(scratchParent)).toEqual([]);
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
  });

  it("keeps the runner's descriptors behind fds 0-2 out of the task's reach", async () => {
    const task = await executor.prepare(closeStdin());
    expect((await task.run({ stdin: new Uint8Array([1]) })).exitCode).toBe(8); // EBADF
  });
});
