import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type Hex, hashTypedData, keccak256, recoverAddress, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkDomain } from '../eip712/domain.js';
import { MESSAGE_KINDS } from '../eip712/types.js';
import { sampleMessages } from '../testing/sample-messages.js';
import {
  compressedPublicKey,
  localAccount,
  nativeCurveReady,
  recoverDigestSigner,
  selectCurve,
  signDigest,
  signDigestDer,
} from './secp256k1.js';
import { signMessage, typedDataOf } from './sign.js';

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

it('uses the native curve where the secp256k1 package ships a binary', async () => {
  const prebuilt = ['linux-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`);
  expect(await nativeCurveReady).toBe(prebuilt);
});

describe.each(['native', 'wasm'] as const)('the %s secp256k1 path', (curve) => {
  beforeAll(() => selectCurve(curve));
  afterAll(() => selectCurve('native').catch(() => selectCurve('wasm')));

  it.each(MESSAGE_KINDS)('signs %s byte for byte like viem and recovers the same signer', async (kind) => {
    const privateKey = generatePrivateKey();
    const viemAccount = privateKeyToAccount(privateKey);
    const samples = sampleMessages(viemAccount.address, 1_800_000_000n);
    const fast = await signMessage(localAccount(privateKey), domain, kind, samples[kind]);
    const reference = await signMessage(viemAccount, domain, kind, samples[kind]);
    expect(fast.signature).toBe(reference.signature);
    const digest = hashTypedData(typedDataOf(domain, kind, fast.message) as never);
    expect(recoverDigestSigner(digest, fast.signature)).toBe(viemAccount.address);
  });

  it('gives compressed public keys and DER signatures that an independent curve accepts', () => {
    // 32 random keys and digests: both parities of y, and r or s with the high bit set (a leading 0 in DER)
    for (let i = 0; i < 32; i++) {
      const privateKey = Buffer.from(generatePrivateKey().slice(2), 'hex');
      const digest = Buffer.from(keccak256(toHex(`digest ${i}`)).slice(2), 'hex');
      const publicKey = compressedPublicKey(privateKey);
      expect(Buffer.from(publicKey).toString('hex')).toBe(
        Buffer.from(secp256k1.getPublicKey(privateKey, true)).toString('hex'),
      );
      const signature = signDigestDer(digest, privateKey);
      expect(secp256k1.verify(signature, digest, publicKey, { prehash: false, format: 'der' })).toBe(true);
      digest[0]! ^= 1;
      expect(secp256k1.verify(signature, digest, publicKey, { prehash: false, format: 'der' })).toBe(false);
    }
    expect(() => compressedPublicKey(Buffer.from(CURVE_ORDER.toString(16), 'hex'))).toThrow(/not a valid/);
  });

  it('builds the same account as viem: address, public key, and every kind of signature', async () => {
    const privateKey = generatePrivateKey();
    const fast = localAccount(privateKey);
    const reference = privateKeyToAccount(privateKey);
    expect(fast.address).toBe(reference.address);
    expect(fast.publicKey).toBe(reference.publicKey);
    const hash = keccak256(toHex('digest'));
    expect(await fast.sign({ hash })).toBe(await reference.sign({ hash }));
    expect(await fast.signMessage({ message: 'hello' })).toBe(
      await reference.signMessage({ message: 'hello' }),
    );
    const transaction = {
      chainId: 31337,
      type: 'eip1559',
      to: reference.address,
      value: 1n,
      nonce: 3,
      gas: 21_000n,
      maxFeePerGas: 2n,
      maxPriorityFeePerGas: 1n,
    } as const;
    expect(await fast.signTransaction(transaction)).toBe(await reference.signTransaction(transaction));
  });

  it('refuses a scalar that is not a key', () => {
    expect(() => localAccount(`0x${'00'.repeat(32)}`)).toThrow();
    expect(() => localAccount(`0x${CURVE_ORDER.toString(16)}`)).toThrow();
  });

  it('agrees with viem on signers of random digests', async () => {
    for (let i = 0; i < 20; i++) {
      const privateKey = generatePrivateKey();
      const digest = keccak256(toHex(i));
      const signature = signDigest(digest, privateKey);
      expect(recoverDigestSigner(digest, signature)).toBe(await recoverAddress({ hash: digest, signature }));
    }
  });

  it('refuses malleable (high s), truncated and garbage signatures', () => {
    const privateKey = generatePrivateKey();
    const digest = `0x${'ab'.repeat(32)}` as Hex;
    const signature = signDigest(digest, privateKey);
    const r = signature.slice(2, 66);
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = Number.parseInt(signature.slice(130), 16);
    // The same signature mirrored to high s (and the other recovery id) still recovers the
    // same key mathematically; the chain's ECDSA library refuses it, so do we.
    const highS =
      `0x${r}${(CURVE_ORDER - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    expect(() => recoverDigestSigner(digest, highS)).toThrow(/low/);
    expect(() => recoverDigestSigner(digest, signature.slice(0, 100) as Hex)).toThrow(/65 bytes/);
    expect(() => recoverDigestSigner(digest, `${signature.slice(0, 130)}05` as Hex)).toThrow(/recovery/);
    // v as a bare parity (0/1) recovers the same key, but on-chain ecrecover refuses it
    const parity = `0${v - 27}`;
    expect(() => recoverDigestSigner(digest, `${signature.slice(0, 130)}${parity}` as Hex)).toThrow(
      /recovery/,
    );
    expect(() => recoverDigestSigner(digest, `0x${'00'.repeat(64)}1b`)).toThrow();
  });
});
