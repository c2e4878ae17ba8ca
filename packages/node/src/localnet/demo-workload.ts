import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { boxBlur, countPrimes, hashChain } from './example-references.js';

/** This package's examples/ folder, found by package name so that it holds inside the CLI's bundle too. */
const EXAMPLES = join(
  dirname(createRequire(import.meta.url).resolve('@idlegrid/node/package.json')),
  'examples',
);

export type ExampleModule = 'primes' | 'hash-chain' | 'image-filter' | 'feed-report';

/** The shipped example WASI modules (sources beside them in examples/wasm/). */
export function exampleModulePath(name: ExampleModule): string {
  return join(EXAMPLES, 'wasm', 'build', `${name}.wasm`);
}

/** A model the network serves, by the name providers list it under. */
export interface DemoModel {
  runtime: 'onnx' | 'fasttext';
  model: string;
}

export interface DemoJob {
  label: string;
  /** A shipped example WASI module, or a model providers serve. */
  module: ExampleModule | DemoModel;
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

/** The shipped example image the OCR job reads, and the text on it. */
export const NOTICE_IMAGE = {
  path: join(EXAMPLES, 'images', 'notice.png'),
  text: ['OPEN COMPUTE FOR ALL', 'PAID PER JOB 2026'],
};

/** Text with all spacing removed: OCR reads the letters, not always the width of the gaps between words. */
const letters = (text: string) => text.replace(/\s+/g, '');

/** The demo: real jobs whose answers the client can check: three WASM kinds, OCR and language ID with real models. */
export async function demoWorkload(): Promise<DemoJob[]> {
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
  const notice = await readFile(NOTICE_IMAGE.path);
  jobs.push({
    label: 'read a notice (OCR, PP-OCRv4)',
    module: { runtime: 'onnx', model: 'pp-ocrv4' },
    args: [],
    stdin: new TextEncoder().encode(JSON.stringify({ kind: 'ocr', images: [notice.toString('base64')] })),
    check: (out) => {
      const pages = (JSON.parse(text(out)) as { pages: { text: string }[] }).pages;
      return letters(pages[0]?.text ?? '') === letters(NOTICE_IMAGE.text.join(''));
    },
  });
  const sentences: [string, string][] = [
    ['en', 'Idle machines can do useful work while their owners sleep.'],
    ['fr', 'Les machines inactives peuvent travailler pendant que leurs propriétaires dorment.'],
    ['de', 'Ungenutzte Rechner können arbeiten, während ihre Besitzer schlafen.'],
    ['es', 'Las máquinas inactivas pueden trabajar mientras sus dueños duermen.'],
    ['ja', 'アイドル状態のマシンは、所有者が寝ている間に役立つ仕事ができます。'],
  ];
  jobs.push({
    label: 'identify 5 languages (fastText lid.176)',
    module: { runtime: 'fasttext', model: 'lid.176' },
    args: [],
    stdin: new TextEncoder().encode(JSON.stringify({ kind: 'classify', texts: sentences.map(([, s]) => s) })),
    check: (out) => {
      const { predictions } = JSON.parse(text(out)) as { predictions: { label: string }[][] };
      return predictions.every((labels, i) => labels[0]?.label === sentences[i]![0]);
    },
  });
  return jobs;
}

/** The WASM jobs of the demo: known-answer tasks anyone can recompute (canaries use them). */
export async function wasmDemoJobs(): Promise<(DemoJob & { module: ExampleModule })[]> {
  return (await demoWorkload()).filter(
    (job): job is DemoJob & { module: ExampleModule } => typeof job.module === 'string',
  );
}

export async function readExampleModule(name: ExampleModule): Promise<Uint8Array> {
  return new Uint8Array(await readFile(exampleModulePath(name)));
}
