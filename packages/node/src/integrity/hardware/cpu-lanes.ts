import { Worker } from 'node:worker_threads';
import { IdlegridError } from '@idlegrid/protocol';

/** The size of one lane of CPU work: its scratchpad and how many dependent reads it makes. */
export interface LaneParams {
  memoryKiB: number;
  rounds: number;
}

/**
 * One lane of proof-of-hardware CPU work, memory-hard in the way of scrypt's ROMix: it fills a
 * scratchpad of `memoryKiB` from the seed and the lane number, then makes `rounds` reads at
 * addresses that depend on the state, each one written back, and hashes the whole scratchpad.
 * Each step needs the one before it, so a lane runs on one core at memory speed and cannot be
 * split; the lanes are independent, so C lanes take one lane's time only on C cores.
 *
 * It is a CommonJS script run in a worker with `eval: true` (as the wasm and onnx runtimes do):
 * the same text runs from the sources and from dist/, and the provider answering a challenge
 * and the coordinator checking it run the same code.
 */
const LANE_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');

function lane(seedHex, index, memoryKiB, rounds) {
  const words = memoryKiB * 256;
  const mem = new Uint32Array(words);
  const start = createHash('sha256').update(seedHex + ':' + index).digest();
  let a = start.readUInt32LE(0), b = start.readUInt32LE(4), c = start.readUInt32LE(8), d = start.readUInt32LE(12);
  // ChaCha's quarter round: cheap, and every output bit depends on every input bit.
  const mix = () => {
    a = (a + b) | 0; d ^= a; d = (d << 16) | (d >>> 16);
    c = (c + d) | 0; b ^= c; b = (b << 12) | (b >>> 20);
    a = (a + b) | 0; d ^= a; d = (d << 8) | (d >>> 24);
    c = (c + d) | 0; b ^= c; b = (b << 7) | (b >>> 25);
  };
  for (let i = 0; i < words; i++) { mix(); mem[i] = a ^ c; }
  for (let r = 0; r < rounds; r++) {
    const j = (a >>> 0) % words;
    b ^= mem[j];
    mix();
    mem[j] = d;
  }
  return createHash('sha256').update(new Uint8Array(mem.buffer)).update(Uint32Array.of(a, b, c, d)).digest('hex');
}

const { seed, index, memoryKiB, rounds } = workerData;
parentPort.postMessage('0x' + lane(seed, index, memoryKiB, rounds));
`;

/** Runs one lane in a worker thread of its own; resolves its digest. */
export function runLane(seed: string, index: number, params: LaneParams): Promise<`0x${string}`> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LANE_WORKER_SOURCE, {
      eval: true,
      workerData: { seed, index, memoryKiB: params.memoryKiB, rounds: params.rounds },
      execArgv: ['--no-warnings'],
    });
    worker.once('message', (digest: `0x${string}`) => resolve(digest));
    worker.once('error', (error) =>
      reject(new IdlegridError('INTERNAL', `challenge lane failed: ${error.message}`)),
    );
    worker.once('exit', (code) => {
      if (code !== 0) reject(new IdlegridError('INTERNAL', `challenge lane exited with ${code}`));
    });
  });
}

/** Runs `lanes` lanes at once, one thread each, as a provider answering a CPU challenge does. */
export function runLanes(seed: string, lanes: number, params: LaneParams): Promise<`0x${string}`[]> {
  return Promise.all(Array.from({ length: lanes }, (_, index) => runLane(seed, index, params)));
}
