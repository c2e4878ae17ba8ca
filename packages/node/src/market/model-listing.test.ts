import { cidOfBytes } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { formatModelListing, parseModelListing } from './model-listing.js';

const cid = cidOfBytes(new TextEncoder().encode('weights'));

describe('model listings', () => {
  it('round-trips runtime, name and CID', () => {
    const entry = formatModelListing({ runtime: 'llm', name: 'qwen2.5-0.5b-instruct', cid });
    expect(entry).toBe(`llm:qwen2.5-0.5b-instruct@${cid}`);
    expect(parseModelListing(entry)).toEqual({ runtime: 'llm', name: 'qwen2.5-0.5b-instruct', cid });
  });

  it('keeps colons and slashes inside names', () => {
    expect(parseModelListing(`onnx:org/ocr:v4@${cid}`)).toEqual({ runtime: 'onnx', name: 'org/ocr:v4', cid });
  });

  it('ignores entries it cannot read instead of failing the offer', () => {
    for (const entry of ['llama', `wasm:x@${cid}`, 'llm:x@not-a-cid', `llm:@${cid}`, `llm:a b@${cid}`]) {
      expect(parseModelListing(entry)).toBeUndefined();
    }
  });

  it('refuses names a client could not ask for', () => {
    expect(() => formatModelListing({ runtime: 'llm', name: 'a@b', cid })).toThrow(/model name/);
    expect(() => formatModelListing({ runtime: 'llm', name: '', cid })).toThrow(/model name/);
  });
});
