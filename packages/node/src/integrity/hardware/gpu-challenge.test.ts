import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxRuntime } from '../../runtimes/onnx/onnx-loader.js';
import { gpuDeadlineMs } from './deadline.js';
import { cardTflops } from './gpu-cards.js';
import { checkGpuAnswer, encodeLaneDigests, type GpuChallenge, gpuChallengeFor } from './gpu-challenge.js';
import { GpuChallengeRunner } from './gpu-runner.js';

// The CPU runs the graph here (no GPU in CI): the digests are the same on any device, since
// every value in it is an exact integer in float32.
const runner = new GpuChallengeRunner({ device: 'cpu', threads: 1 });
afterAll(() => runner.close());

const small = (lanes: number): GpuChallenge => ({
  ...gpuChallengeFor({ count: lanes, model: 'Tesla T4' }, { size: 128, minProducts: 3, maxProducts: 3 }),
});

describe('GPU challenge', () => {
  it('accepts onnxruntime’s answer, recomputed row by row on the coordinator', async () => {
    const challenge = small(2);
    expect([challenge.lanes, challenge.products, challenge.size]).toEqual([2, 3, 128]);
    const answer = await runner.answer(challenge);
    expect(answer.lanes).toHaveLength(2);
    // The lanes differ: one card's answer cannot be sent for every claimed card.
    expect(answer.lanes[0]).not.toBe(answer.lanes[1]);
    for (let i = 0; i < 4; i++) expect((await checkGpuAnswer(challenge, answer)).correct).toBe(true);
  });

  it('catches answers to another seed, altered rows and missing lanes', async () => {
    const challenge = small(1);
    const honest = await runner.answer(challenge);
    const other = await runner.answer({ ...challenge, seed: `0x${'11'.repeat(32)}` });
    expect((await checkGpuAnswer(challenge, other)).correct).toBe(false);
    // Every row off by one: whichever rows are checked, they differ.
    const digests = new Uint32Array(Buffer.from(honest.lanes[0]!, 'base64').buffer.slice(0));
    const altered = digests.map((digest) => (digest + 1) >>> 0);
    expect((await checkGpuAnswer(challenge, { lanes: [encodeLaneDigests(altered)] })).correct).toBe(false);
    expect((await checkGpuAnswer(challenge, { lanes: [] })).correct).toBe(false);
    expect((await checkGpuAnswer(challenge, { lanes: ['AAAA'] })).correct).toBe(false);
  });

  it('says how to install what a card needs to answer, where onnxruntime has no CUDA provider', async () => {
    const cards = new GpuChallengeRunner({ device: 'cuda' });
    try {
      const answered = cards.answer(small(1));
      // Where the CUDA provider is installed there is nothing to say (and the card, if any, answers).
      if ((await loadOnnxRuntime()).cuda) await answered.catch(() => undefined);
      else
        await expect(answered).rejects.toMatchObject({
          code: 'RUNTIME_UNAVAILABLE',
          message: expect.stringContaining('npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12'),
        });
    } finally {
      await cards.close();
    }
  });

  it('sizes the products to the claimed card', () => {
    expect(gpuChallengeFor({ count: 8, model: 'NVIDIA H100 80GB HBM3' })).toMatchObject({
      lanes: 8,
      size: 4096,
      products: 8,
    });
    expect(gpuChallengeFor({ count: 1, model: 'Tesla T4' }).products).toBe(3);
    expect(gpuChallengeFor({ count: 1, model: 'a card nobody knows' }).products).toBe(2);
    // A claim of more cards than one challenge runs is checked on 16 of them (and judged as claimed).
    expect(gpuChallengeFor({ count: 40, model: 'Tesla T4' }).lanes).toBe(16);
  });

  it('knows cards by the longest name nvidia-smi’s line contains', () => {
    expect(cardTflops('NVIDIA L40S')).toBe(91);
    expect(cardTflops('NVIDIA L4')).toBe(30);
    expect(cardTflops('NVIDIA A100-SXM4-80GB')).toBe(19.5);
    expect(cardTflops('NVIDIA GeForce RTX 4090')).toBe(82);
    expect(cardTflops('Tesla T4')).toBe(8.1);
    expect(cardTflops('Something Else')).toBe(4);
  });

  it('gives a card tens of milliseconds for its products and a CPU none of the seconds it needs', () => {
    const h100 = { size: 4096, products: 8, tflops: 51, rttMs: 0, referenceMatrixMs: 0 };
    // Products at 3× the datasheet time (65 ms), copying A and B (67 ms), start-up (250 ms).
    expect(Math.round(gpuDeadlineMs(h100))).toBe(382);
    // The CPU part scales with the coordinator's own time to generate a matrix.
    expect(gpuDeadlineMs({ ...h100, referenceMatrixMs: 100 }) - gpuDeadlineMs(h100)).toBe(500);
  });
});
