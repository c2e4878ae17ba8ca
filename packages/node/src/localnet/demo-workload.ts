import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { boxBlur, countPrimes, hashChain } from './example-references.js';

export type ExampleModule = 'primes' | 'hash-chain' | 'image-filter';

/** The shipped example WASI modules (sources beside them in examples/wasm/). */
export function exampleModulePath(name: ExampleModule): string {
  return fileURLToPath(new URL(`../../examples/wasm/build/${name}.wasm`, import.meta.url));
}

export interface DemoJob {
  label: string;
  module: ExampleModule;
  args: string[];
  stdin?: Uint8Array;
  /** Checks the job's stdout against a result computed here, independently. */
  check(stdout: Uint8Array): boolean;
}

/** A binary PGM (P5) test card: gradients and a checkerboard, so a blur visibly changes it. */
function testCard(width: number, height: number): Uint8Array {
  const header = new TextEncoder().encode(`P5\n${width} ${height}\n255\n`);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const checker = ((x >> 4) + (y >> 4)) % 2 === 0 ? 64 : 0;
      pixels[y * width + x] = (x + y + checker) & 0xff;
    }
  }
  const image = new Uint8Array(header.length + pixels.length);
  image.set(header);
  image.set(pixels, header.length);
  return image;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();

/** The demo: real jobs of three kinds whose answers the client can check. */
export function demoWorkload(): DemoJob[] {
  const jobs: DemoJob[] = [];
  for (const n of [100_000, 400_000, 1_000_000, 2_000_000]) {
    jobs.push({
      label: `primes below ${n}`,
      module: 'primes',
      args: [String(n)],
      check: (out) => text(out) === String(countPrimes(n)),
    });
  }
  for (const [rounds, input] of [
    [10_000, 'idlegrid'],
    [50_000, 'decentralized compute'],
    [100_000, 'proof of work, done for pay'],
  ] as const) {
    jobs.push({
      label: `sha-256 chain x${rounds}`,
      module: 'hash-chain',
      args: [String(rounds), input],
      check: (out) => text(out) === hashChain(new TextEncoder().encode(input), rounds),
    });
  }
  for (const size of [128, 256]) {
    const card = testCard(size, size);
    const expected = boxBlur(card.subarray(card.length - size * size), size, size);
    jobs.push({
      label: `blur a ${size}x${size} image`,
      module: 'image-filter',
      args: [],
      stdin: card,
      check: (out) =>
        text(out.subarray(0, 16)).startsWith(`P5\n${size} ${size}`) &&
        Buffer.from(out.subarray(out.length - size * size)).equals(Buffer.from(expected)),
    });
  }
  return jobs;
}

export async function readExampleModule(name: ExampleModule): Promise<Uint8Array> {
  return new Uint8Array(await readFile(exampleModulePath(name)));
}
