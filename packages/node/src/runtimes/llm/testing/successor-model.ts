import { writeFile } from 'node:fs/promises';
import { type GgufTensor, type GgufValue, writeGguf } from './gguf-writer.js';

/**
 * A tiny deterministic llama-architecture GGUF for tests: after a lowercase letter it predicts the
 * next letter, after `z` it predicts EOS, and after anything else it predicts `a`. So every chat
 * reply (the prompt ends in a newline) is SUCCESSOR_REPLY.
 *
 * How: one-hot token embeddings (n_embd >= n_vocab); one block with all-zero attention and FFN
 * weights, so the residual stream stays the embedding; RMSNorm turns the one-hot into
 * sqrt(n_embd)-ish at the token's index; output.weight maps that index to its successor's logit.
 * Embeddings are mean-pooled, so they are a bag of characters (anagrams collide).
 */

export const SUCCESSOR_REPLY = 'abcdefghijklmnopqrstuvwxyz';

/** ChatML-like, with plain-character role markers (the vocab has no special chat tokens). */
export const SUCCESSOR_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|' + message.role + '|>\\n' + message.content + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

export interface SuccessorModelOptions {
  /** general.name; default "idlegrid-successor". */
  readonly name?: string;
  /** llama.context_length; default 2048. */
  readonly contextLength?: number;
  /**
   * Logit of the successor minus every other logit; default 24, i.e. P(successor) ~ 1 - 1e-8 and
   * ln P(wrong token) ~ -24 (still finite in float32).
   */
  readonly logitGap?: number;
  /**
   * For benchmarks, a model that computes like a real one of its size while answering the same:
   * `blocks` transformer blocks of width `embeddingLength` (at least the vocabulary's 354) and
   * feed-forward width `feedForwardLength`, whose weights are small deterministic noise (`noise`,
   * the amplitude) instead of zeros, so every block does its full work but the embedding still
   * dominates the residual stream. Defaults: 1 block, width 384, 32, no noise.
   */
  readonly blocks?: number;
  readonly embeddingLength?: number;
  readonly feedForwardLength?: number;
  readonly noise?: number;
  /** After `z` comes `a` again instead of the end of text, so generation runs to max tokens. */
  readonly endless?: boolean;
}

const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;
const UNK = 0;
const BOS = 1;
const EOS = 2;
const RMS_EPS = 1e-5;
/** Attention heads are 64 wide: 6 heads at the default width of 384. */
const HEAD_DIM = 64;
const HEAD_COUNT_KV = 1;

interface Vocab {
  readonly tokens: string[];
  readonly types: number[];
}

/**
 * <unk>, <s>, </s>, the 256 byte tokens, then ▁ (the SPM space) and printable ASCII. Only
 * single-character tokens exist, so the SPM tokenizer cannot merge anything and tokenizes per
 * character whatever the scores; '\n' and other bytes fall back to <0xNN> tokens (as in llama's
 * own vocab, where '\n' is <0x0A>).
 */
function buildVocab(): Vocab {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_TYPE.byte);
  }
  tokens.push('\u2581');
  types.push(TOKEN_TYPE.normal);
  for (let c = 0x21; c <= 0x7e; c++) {
    tokens.push(String.fromCharCode(c));
    types.push(TOKEN_TYPE.normal);
  }
  return { tokens, types };
}

/** Next token id for every token id. */
function successors(tokens: readonly string[], endless: boolean): number[] {
  const id = new Map(tokens.map((t, i) => [t, i]));
  const a = id.get('a')!;
  return tokens.map((t) => {
    if (t.length !== 1 || t < 'a' || t > 'z') return a;
    if (t === 'z') return endless ? a : EOS;
    return id.get(String.fromCharCode(t.charCodeAt(0) + 1))!;
  });
}

/** Deterministic noise in [-amplitude, amplitude) (a 32-bit xorshift), or zeros. */
function noiseOf(length: number, amplitude: number, seed: number): Float32Array {
  const data = new Float32Array(length);
  if (amplitude === 0) return data;
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i] = ((state >>> 0) / 2 ** 32 - 0.5) * 2 * amplitude;
  }
  return data;
}

/** Builds the model's GGUF bytes; the same options always give the same bytes. */
export function buildSuccessorModel(options: SuccessorModelOptions = {}): Uint8Array {
  const { name = 'idlegrid-successor', contextLength = 2048, logitGap = 24 } = options;
  const { blocks = 1, feedForwardLength = 32, noise = 0, endless = false } = options;
  const { tokens, types } = buildVocab();
  const nVocab = tokens.length;
  const nEmbd = Math.ceil(Math.max(nVocab, options.embeddingLength ?? 0) / HEAD_DIM) * HEAD_DIM;
  const headDim = HEAD_DIM;
  const headCount = nEmbd / HEAD_DIM;

  // Tensors are row-major with ggml dims [ne0, ne1]: element (i0, i1) is at i1 * ne0 + i0.
  const tokenEmbd = new Float32Array(nEmbd * nVocab);
  for (let t = 0; t < nVocab; t++) tokenEmbd[t * nEmbd + t] = 1;

  // RMSNorm maps the one-hot to 1 / sqrt(1/n_embd + eps) at the token's index.
  const output = new Float32Array(nEmbd * nVocab);
  const scale = logitGap * Math.sqrt(1 / nEmbd + RMS_EPS);
  successors(tokens, endless).forEach((next, t) => {
    output[next * nEmbd + t] = scale;
  });

  const f32 = (name: string, dims: number[], data?: Float32Array): GgufTensor => ({
    name,
    type: 'f32',
    dims,
    data: data ?? new Float32Array(dims.reduce((a, b) => a * b, 1)),
  });
  const ones = (name: string): GgufTensor => f32(name, [nEmbd], new Float32Array(nEmbd).fill(1));
  // Zeros and ones are exact in F16, which halves the file.
  const f16 = (name: string, dims: number[], data?: Float32Array): GgufTensor => ({
    ...f32(name, dims, data),
    type: 'f16',
  });
  const nKv = headDim * HEAD_COUNT_KV;
  let seed = 1;
  const weights = (tensor: string, dims: number[]) =>
    f16(tensor, dims, noiseOf(dims[0]! * dims[1]!, noise, seed++));
  const block = (b: number): GgufTensor[] => [
    ones(`blk.${b}.attn_norm.weight`),
    weights(`blk.${b}.attn_q.weight`, [nEmbd, nEmbd]),
    weights(`blk.${b}.attn_k.weight`, [nEmbd, nKv]),
    weights(`blk.${b}.attn_v.weight`, [nEmbd, nKv]),
    weights(`blk.${b}.attn_output.weight`, [nEmbd, nEmbd]),
    ones(`blk.${b}.ffn_norm.weight`),
    weights(`blk.${b}.ffn_gate.weight`, [nEmbd, feedForwardLength]),
    weights(`blk.${b}.ffn_up.weight`, [nEmbd, feedForwardLength]),
    weights(`blk.${b}.ffn_down.weight`, [feedForwardLength, nEmbd]),
  ];
  const tensors = [
    f16('token_embd.weight', [nEmbd, nVocab], tokenEmbd),
    ...Array.from({ length: blocks }, (_, b) => block(b)).flat(),
    ones('output_norm.weight'),
    // F32 keeps the logit gap (and so the log-probabilities) exact.
    f32('output.weight', [nEmbd, nVocab], output),
  ];

  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: name },
    'llama.context_length': u32(contextLength),
    'llama.embedding_length': u32(nEmbd),
    'llama.block_count': u32(blocks),
    'llama.feed_forward_length': u32(feedForwardLength),
    'llama.attention.head_count': u32(headCount),
    'llama.attention.head_count_kv': u32(HEAD_COUNT_KV),
    'llama.attention.layer_norm_rms_epsilon': { type: 'float32', value: RMS_EPS },
    'llama.rope.dimension_count': u32(headDim),
    'llama.vocab_size': u32(nVocab),
    // Mean pooling (1): embeddings depend on every token, not just the last one.
    'llama.pooling_type': u32(1),
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: tokens },
    // Irrelevant for merging (no multi-character tokens); zero for all keeps it simple.
    'tokenizer.ggml.scores': { type: 'float32[]', value: new Float32Array(nVocab) },
    'tokenizer.ggml.token_type': { type: 'int32[]', value: types },
    'tokenizer.ggml.bos_token_id': u32(BOS),
    'tokenizer.ggml.eos_token_id': u32(EOS),
    'tokenizer.ggml.unknown_token_id': u32(UNK),
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
    // SPM would otherwise prepend "▁" to every text fragment, breaking exact round trips.
    'tokenizer.ggml.add_space_prefix': { type: 'bool', value: false },
    'tokenizer.chat_template': { type: 'string', value: SUCCESSOR_CHAT_TEMPLATE },
  };
  return writeGguf({ metadata, tensors });
}

/** Writes the model to `path` (e.g. `<tmpdir>/successor.gguf`). */
export async function writeSuccessorModel(path: string, options: SuccessorModelOptions = {}): Promise<void> {
  await writeFile(path, buildSuccessorModel(options));
}
