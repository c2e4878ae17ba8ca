import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

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

function primeCount(below: number): number {
  const composite = new Uint8Array(below);
  let count = 0;
  for (let i = 2; i < below; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j < below; j += i) composite[j] = 1;
  }
  return count;
}

function hashChain(rounds: number, input: string): string {
  let current: Buffer = Buffer.from(input, 'utf8');
  for (let i = 0; i < rounds; i++) current = createHash('sha256').update(current).digest();
  return current.toString('hex');
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

/** The 3x3 box blur the example computes: edges clamped, rounded to nearest. */
function boxBlur(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const clamp = (value: number, high: number) => Math.min(Math.max(value, 0), high);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++)
          sum += pixels[clamp(y + dy, height - 1) * width + clamp(x + dx, width - 1)]!;
      }
      out[y * width + x] = Math.floor((sum + 4) / 9);
    }
  }
  return out;
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
      check: (out) => text(out) === String(primeCount(n)),
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
      check: (out) => text(out) === hashChain(rounds, input),
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
