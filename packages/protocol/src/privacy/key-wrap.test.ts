import { ECDH } from 'node:crypto';
import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { isIdlegridError } from '../errors/idlegrid-error.js';
import { nodeCrypto, nodeCryptoNow } from '../hashing/node-crypto.js';
import { newArtifactKey } from './envelope.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import { openSealedBox, publicKeyOf, sealTo } from './sealed-box.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isIdlegridError(error) ? error.code : String(error);
  }
  return 'no error';
}

describe('key wrapping (ECIES on secp256k1)', () => {
  it('unwraps only with the recipient key', () => {
    const owner = generatePrivateKey();
    const key = newArtifactKey();
    const wrapped = wrapKey(key, publicKeyOf(owner));
    expect(unwrapKey(wrapped, owner)).toEqual(key);
    expect(wrapKey(key, publicKeyOf(owner))).not.toBe(wrapped);
    expect(codeOf(() => unwrapKey(wrapped, generatePrivateKey()))).toBe('KEY_UNWRAP_FAILED');
  });

  it('refuses an altered or malformed wrapped key', () => {
    const owner = generatePrivateKey();
    const wrapped = wrapKey(newArtifactKey(), publicKeyOf(owner));
    for (const at of [4, 80, wrapped.length - 1]) {
      const digit = wrapped[at] === '0' ? '1' : '0';
      const altered = `${wrapped.slice(0, at)}${digit}${wrapped.slice(at + 1)}` as `0x${string}`;
      expect(codeOf(() => unwrapKey(altered, owner))).toBe('KEY_UNWRAP_FAILED');
    }
    expect(codeOf(() => unwrapKey('0x1234', owner))).toBe('KEY_UNWRAP_FAILED');
    expect(codeOf(() => wrapKey(newArtifactKey(), new Uint8Array(33)))).toBe('INVALID_ARGUMENT');
  });

  it('takes an uncompressed public key as well', () => {
    const owner = generatePrivateKey();
    const key = newArtifactKey();
    const uncompressed = ECDH.convertKey(
      publicKeyOf(owner),
      'secp256k1',
      undefined,
      undefined,
      'uncompressed',
    );
    expect(unwrapKey(wrapKey(key, uncompressed as Buffer), owner)).toEqual(key);
  });

  it("seals and opens alike with Node's native curve and with @noble's, either way", async () => {
    await nodeCrypto;
    expect(nodeCryptoNow()).toBeDefined();
    const owner = generatePrivateKey();
    const message = new TextEncoder().encode('both curves agree');
    for (const [sealPortable, openPortable] of [
      [false, true],
      [true, false],
      [false, false],
    ] as const) {
      const box = sealTo(publicKeyOf(owner), message, 'test/v1', sealPortable);
      expect(openSealedBox(box, owner, 'test/v1', openPortable)).toEqual(message);
      expect(codeOf(() => openSealedBox(box, generatePrivateKey(), 'test/v1', openPortable))).toBe(
        'KEY_UNWRAP_FAILED',
      );
    }
  });
});
