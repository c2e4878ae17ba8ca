import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { boxBlur, countPrimes, hashChain } from '../../localnet/example-references.js';
import type { PreparedTask } from '../api.js';
import { createWasmExecutor } from './wasm-executor.js';

const packageRoot = new URL('../../../', import.meta.url);
const executor = createWasmExecutor({ limits: { memoryBytes: 64 * 1024 * 1024, wallTimeMs: 20_000 } });
const load = (name: string) =>
  executor.prepare(readFileSync(new URL(`examples/wasm/build/${name}.wasm`, packageRoot)));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

beforeAll(() => {
  // Compiles the AssemblyScript examples (a no-op when they are up to date).
  execFileSync(process.execPath, [new URL('scripts/build-examples.mjs', packageRoot).pathname], {
    stdio: 'pipe',
  });
}, 120_000);

describe('example wasm modules', () => {
  let primes: PreparedTask;
  let chain: PreparedTask;
  let filter: PreparedTask;
  beforeAll(async () => {
    [primes, chain, filter] = await Promise.all([load('primes'), load('hash-chain'), load('image-filter')]);
  });

  it('primes counts the primes below N', async () => {
    for (const n of [0, 2, 3, 100, 123_457]) {
      const result = await primes.run({ args: [String(n)] });
      expect(result.exitCode).toBe(0);
      expect(text(result.stdout)).toBe(`${countPrimes(n)}\n`);
    }
    const usage = await primes.run({});
    expect(usage.exitCode).toBe(2);
    expect(text(usage.stderr)).toContain('usage');
  });

  it('hash-chain iterates sha-256 over argv or stdin', async () => {
    const fromArg = await chain.run({ args: ['1000', 'idlegrid ✓'] });
    expect(text(fromArg.stdout)).toBe(`${hashChain(new TextEncoder().encode('idlegrid ✓'), 1000)}\n`);
    // Inputs around the 55/56/64-byte padding boundaries, read from stdin.
    for (const length of [0, 55, 56, 64, 119, 1000]) {
      const input = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const result = await chain.run({ args: ['3'], stdin: input });
      expect(text(result.stdout)).toBe(`${hashChain(input, 3)}\n`);
    }
  });

  it('image-filter box-blurs a PGM image deterministically', async () => {
    const [width, height] = [37, 23];
    let seed = 12345;
    const pixels = Uint8Array.from({ length: width * height }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    const header = new TextEncoder().encode(`P5\n# made by a test\n${width} ${height}\n255\n`);
    const stdin = new Uint8Array([...header, ...pixels]);
    const result = await filter.run({ stdin });
    expect(result.exitCode).toBe(0);
    const expectedHeader = new TextEncoder().encode(`P5\n${width} ${height}\n255\n`);
    expect([...result.stdout.subarray(0, expectedHeader.length)]).toEqual([...expectedHeader]);
    expect([...result.stdout.subarray(expectedHeader.length)]).toEqual([...boxBlur(pixels, width, height)]);
    expect((await filter.run({ stdin })).stdout).toEqual(result.stdout);
    const bad = await filter.run({ stdin: new TextEncoder().encode('P2\n1 1\n255\n0') });
    expect(bad.exitCode).toBe(2);
  });
});
