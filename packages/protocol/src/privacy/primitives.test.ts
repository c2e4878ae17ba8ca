import { describe, expect, it } from 'vitest';
import { aesGcm, sha256Hasher } from './primitives.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('envelope primitives: Node and browser implementations agree', () => {
  it('seal the same bytes to the same ciphertext, and open each other’s', async () => {
    const key = bytes(32, 1);
    const iv = bytes(12, 2);
    const aad = bytes(13, 3);
    const plaintext = bytes(70_000, 4);
    const [node, web] = await Promise.all([aesGcm(key), aesGcm(key, true)]);
    const sealed = await node.encrypt(iv, aad, plaintext);
    expect(await web.encrypt(iv, aad, plaintext)).toEqual(sealed);
    expect(await web.decrypt(iv, aad, sealed)).toEqual(plaintext);
    expect(await node.decrypt(iv, aad, sealed)).toEqual(plaintext);
  });

  it('both refuse a ciphertext whose tag, IV or associated data changed', async () => {
    const key = bytes(32, 5);
    const iv = bytes(12, 6);
    const aad = bytes(13, 7);
    for (const cipher of [await aesGcm(key), await aesGcm(key, true)]) {
      const sealed = await cipher.encrypt(iv, aad, bytes(100, 8));
      const flipped = sealed.slice();
      flipped[flipped.length - 1]! ^= 1;
      await expect(cipher.decrypt(iv, aad, flipped)).rejects.toThrow();
      await expect(cipher.decrypt(bytes(12, 9), aad, sealed)).rejects.toThrow();
      await expect(cipher.decrypt(iv, bytes(13, 9), sealed)).rejects.toThrow();
    }
  });

  it('hash the same bytes, fed in any pieces, to the same digest', async () => {
    const data = bytes(100_000, 10);
    const [node, portable] = await Promise.all([sha256Hasher(), sha256Hasher(true)]);
    node.update(data);
    for (let at = 0; at < data.length; at += 999) portable.update(data.subarray(at, at + 999));
    expect(portable.digest()).toEqual(node.digest());
  });
});
