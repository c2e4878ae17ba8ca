import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { privateKeyToAddress } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addressOfPrivateKey, type HexKey, keyAddress } from './key-files.js';
import { createKey } from './keystore.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-key-files-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe('addressOfPrivateKey', () => {
  it('gives the same checksummed address as viem for any key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const key = `0x${Buffer.from(bytes).toString('hex')}` as HexKey;
        let expected: string | undefined;
        try {
          expected = privateKeyToAddress(key);
        } catch {
          expected = undefined; // zero or above the curve order: not a key
        }
        if (expected === undefined) expect(() => addressOfPrivateKey(key)).toThrow();
        else expect(addressOfPrivateKey(key)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("reads a stored key's address", async () => {
    const account = await createKey(dataDir, 'client');
    expect(await keyAddress(dataDir, 'client')).toBe(account.address);
  });
});
