import fc from 'fast-check';
import { type Hex, hashTypedData, keccak256 } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { keccak256Bytes, keccakReady } from '../hashing/keccak.js';
import { typedDataOf } from '../signing/sign.js';
import { sampleMessages } from '../testing/sample-messages.js';
import { networkDomain } from './domain.js';
import { type FlatTypedData, typedDataDigest } from './typed-data-hash.js';
import { MESSAGE_KINDS } from './types.js';

const author = privateKeyToAccount(generatePrivateKey()).address;
const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const hex32 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => `0x${Buffer.from(bytes).toString('hex')}` as Hex);

beforeAll(() => keccakReady);

describe('typedDataDigest', () => {
  it('hashes like viem: keccak on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(Buffer.from(keccak256Bytes(bytes)).toString('hex')).toBe(keccak256(bytes).slice(2));
      }),
    );
  });

  it.each(MESSAGE_KINDS)('digests %s messages exactly like viem, whatever their content', (kind) => {
    const sample = sampleMessages(author, 1_800_000_000n)[kind] as Record<string, unknown>;
    fc.assert(
      fc.property(
        fc.record({
          text: fc.string({ unit: 'grapheme', maxLength: 40 }),
          list: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 5 }),
          big: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          word: hex32,
          chainId: fc.integer({ min: 1, max: 2 ** 31 }),
        }),
        ({ text, list, big, word, chainId }) => {
          // Vary every field by its type, keeping the message's shape.
          const message = Object.fromEntries(
            Object.entries(sample).map(([name, value]) => {
              if (typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value)) return [name, word];
              if (typeof value === 'string' && !value.startsWith('0x')) return [name, text];
              if (Array.isArray(value) && typeof value[0] !== 'object') return [name, list];
              if (typeof value === 'bigint') return [name, big];
              return [name, value];
            }),
          );
          const typedData = typedDataOf(
            networkDomain(chainId, domain.verifyingContract),
            kind,
            message as never,
          );
          expect(typedDataDigest(typedData as FlatTypedData)).toBe(hashTypedData(typedData as never));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('handles other domains (an ERC-20 permit) and hands nested structs to viem', () => {
    const permit = {
      domain: { name: 'GridToken', version: '1', chainId: 1, verifyingContract: author },
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: { owner: author, spender: author, value: 10n ** 30n, nonce: 0n, deadline: 2n ** 255n },
    };
    expect(typedDataDigest(permit)).toBe(hashTypedData(permit as never));
    const nested = {
      domain: { name: 'x' },
      types: {
        Outer: [{ name: 'inner', type: 'Inner' }],
        Inner: [
          { name: 'flag', type: 'bool' },
          { name: 'n', type: 'int64' },
        ],
      },
      primaryType: 'Outer',
      message: { inner: { flag: true, n: -5n } },
    };
    expect(typedDataDigest(nested)).toBe(hashTypedData(nested as never));
  });
});
