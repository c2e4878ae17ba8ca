import { hashMessage } from 'viem';
import { describe, expect, it } from 'vitest';
import { keccakBackend, keccakReady } from './keccak.js';
import { messageDigest } from './message-digest.js';

describe('messageDigest', () => {
  it("is viem's hashMessage, for ASCII, multi-byte and long texts", async () => {
    await keccakReady;
    expect(keccakBackend()).toBe('wasm');
    for (const text of ['', 'a reading', '{"v":{"température":21.5}} ☀', 'x'.repeat(70_000)])
      expect(messageDigest(text)).toBe(hashMessage(text));
  });
});
