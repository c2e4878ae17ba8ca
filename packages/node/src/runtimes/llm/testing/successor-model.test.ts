import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getLlama,
  type Llama,
  LlamaChatSession,
  LlamaCompletion,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  readGgufFileInfo,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32ToFloat16Bits, writeGguf } from './gguf-writer.js';
import { buildSuccessorModel, SUCCESSOR_REPLY, writeSuccessorModel } from './successor-model.js';

/** ln P(tokens[i + 1] | tokens[0..i]) under teacher forcing. */
async function tokenLogProbs(sequence: LlamaContextSequence, tokens: readonly Token[]): Promise<number[]> {
  // No sampling options = greedy, so `probabilities` covers the whole vocab (a sampling chain
  // with top-k/min-p would truncate it).
  const out = await sequence.controlledEvaluate(
    tokens.map((token) => [token, { generateNext: { probabilities: true } }]),
  );
  return tokens.slice(1).map((next, i) => Math.log(out[i]?.next.probabilities?.get(next) ?? 0));
}

describe('gguf-writer', () => {
  it('converts float32 to float16 bits', () => {
    expect(float32ToFloat16Bits(0)).toBe(0);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2.5)).toBe(0xc100);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(1); // smallest subnormal
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie rounds to even
  });

  it('writes metadata and tensors that a GGUF reader understands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gguf-writer-'));
    try {
      const path = join(dir, 'x.gguf');
      const bytes = writeGguf({
        metadata: {
          'general.architecture': { type: 'string', value: 'llama' },
          'test.u32': { type: 'uint32', value: 7 },
          'test.i32': { type: 'int32', value: -3 },
          'test.f32': { type: 'float32', value: 0.5 },
          'test.bool': { type: 'bool', value: true },
          'test.strings': { type: 'string[]', value: ['a', 'ü'] },
          'test.ints': { type: 'int32[]', value: [1, -2] },
        },
        tensors: [
          { name: 'a', type: 'f32', dims: [3, 2], data: new Float32Array(6) },
          { name: 'b', type: 'f16', dims: [5], data: new Float32Array(5) },
        ],
      });
      expect(bytes.length % 32).toBe(0);
      await writeFile(path, bytes);
      const info = await readGgufFileInfo(path, { readTensorInfo: true });
      expect(info.version).toBe(3);
      const test = (info.metadata as unknown as { test: Record<string, unknown> }).test;
      expect(test).toEqual({ u32: 7, i32: -3, f32: 0.5, bool: true, strings: ['a', 'ü'], ints: [1, -2] });
      expect(info.metadata.general.alignment).toBe(32);
      expect(info.fullTensorInfo?.map((t) => [t.name, t.dimensions.map(Number), Number(t.offset)])).toEqual([
        ['a', [3, 2], 0],
        ['b', [5], 32],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('successor model', () => {
  let dir: string;
  let llama: Llama;
  let model: LlamaModel;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'successor-model-'));
    const path = join(dir, 'successor.gguf');
    await writeSuccessorModel(path);
    // One thread: ggml's spin-waiting worker threads crawl (~100 ms/token) when cores are busy.
    llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, maxThreads: 1 });
    model = await llama.loadModel({ modelPath: path });
  });

  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is deterministic and small', () => {
    const a = buildSuccessorModel();
    expect(Buffer.from(a).equals(Buffer.from(buildSuccessorModel()))).toBe(true);
    expect(a.length).toBeLessThan(4 * 1024 * 1024);
  });

  it('has the expected metadata', () => {
    expect(model.fileInfo.metadata.general.architecture).toBe('llama');
    expect(model.fileInfo.metadata.general.name).toBe('idlegrid-successor');
    expect(model.trainContextSize).toBe(2048);
    expect(model.vocabularyType).toBe('spm');
  });

  it('tokenizes per character and round-trips text', () => {
    const tokens = model.tokenize('hello world');
    expect(tokens).toHaveLength('hello world'.length);
    expect(model.detokenize(tokens)).toBe('hello world');
    expect(model.detokenize(model.tokenize('a\nB-9'))).toBe('a\nB-9');
  });

  it('completes "xy" with "z" and stops at EOS', async () => {
    const context = await model.createContext({ contextSize: 256 });
    try {
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const res = await completion.generateCompletionWithMeta('xy', { maxTokens: 20 });
      expect(res.response).toBe('z');
      expect(res.metadata.stopReason).toBe('eogToken');
    } finally {
      await context.dispose();
    }
  });

  it('replies with the alphabet in a chat, whatever the seed', async () => {
    const context = await model.createContext({ contextSize: 1024, sequences: 2 });
    try {
      // Resolving the Jinja template's wrapper takes ~1 s; do it once for both sessions.
      const chatWrapper = resolveChatWrapper(model);
      expect(chatWrapper.wrapperName).toBe('JinjaTemplate');
      const replies = await Promise.all(
        [1, 2].map(async (seed) => {
          const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper });
          const greedy = await session.prompt('Hello, who are you?', { maxTokens: 40 });
          const sampled = await session.prompt('Tell me more.', { maxTokens: 40, temperature: 1, seed });
          return [greedy, sampled];
        }),
      );
      expect(replies).toEqual([
        [SUCCESSOR_REPLY, SUCCESSOR_REPLY],
        [SUCCESSOR_REPLY, SUCCESSOR_REPLY],
      ]);
    } finally {
      await context.dispose();
    }
  });

  it('gives the true successor log-probability ~0 and a wrong token a very low one', async () => {
    const context = await model.createContext({ contextSize: 256 });
    try {
      const tokens = [model.tokens.bos!, ...model.tokenize('abcX')];
      const [a, b, c, x] = await tokenLogProbs(context.getSequence(), tokens);
      for (const lp of [a, b, c]) expect(lp).toBeGreaterThan(-1e-6);
      expect(x).toBeLessThan(-20);
      expect(Number.isFinite(x)).toBe(true);
    } finally {
      await context.dispose();
    }
  });

  it('computes embeddings', async () => {
    const context = await model.createEmbeddingContext({ contextSize: 256 });
    try {
      const abc = await context.getEmbeddingFor('abc');
      const abd = await context.getEmbeddingFor('abd');
      expect(abc.vector).toHaveLength(model.embeddingVectorSize);
      expect(abc.calculateCosineSimilarity(abd)).toBeLessThan(0.99);
      expect(abc.calculateCosineSimilarity(await context.getEmbeddingFor('abc'))).toBeCloseTo(1, 6);
    } finally {
      await context.dispose();
    }
  });
});
