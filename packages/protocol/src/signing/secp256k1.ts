import * as ecc from 'tiny-secp256k1';
import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem';
import {
  type PrivateKeyAccount,
  publicKeyToAddress,
  signAuthorization,
  signMessage,
  signTransaction,
  toAccount,
} from 'viem/accounts';
import { type FlatTypedData, typedDataDigest } from '../eip712/typed-data-hash.js';
import { checksumAddress } from '../hashing/eip55.js';
import { keccak256Bytes } from '../hashing/keccak.js';

/**
 * secp256k1 through libsecp256k1, natively where the `secp256k1` package has a prebuilt binary
 * for this platform (about 0.1 ms to recover a signer and 0.08 ms to sign here), else compiled
 * to WebAssembly (tiny-secp256k1: 0.4 and 0.25 ms; viem's pure-JS curve takes 2.6 and 0.6).
 * Every job passes through seven signatures (signed or checked), so this sits on the hot path.
 * Both give RFC 6979 deterministic signatures with low s: byte for byte what viem produces.
 */
interface Curve {
  /** The uncompressed public key (65 bytes), or null when none recovers. */
  recover(digest: Uint8Array, compact: Uint8Array, recoveryId: 0 | 1): Uint8Array | null;
  sign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recoveryId: number };
  /** The uncompressed public key (65 bytes), or null for a scalar that is not a key. */
  publicKey(privateKey: Uint8Array): Uint8Array | null;
}

const wasmCurve: Curve = {
  recover: (digest, compact, recoveryId) => ecc.recover(digest, compact, recoveryId, false),
  sign: (digest, privateKey) => ecc.signRecoverable(digest, privateKey),
  publicKey: (privateKey) => {
    // It throws for a scalar outside the curve's order, where the native binding returns null.
    if (!ecc.isPrivate(privateKey)) return null;
    return ecc.pointFromScalar(privateKey, false);
  },
};

/** The native binding's functions used here (the package has no types). */
interface NativeSecp256k1 {
  ecdsaRecover(
    signature: Uint8Array,
    recoveryId: number,
    digest: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
}

let curve: Curve = wasmCurve;
let nativeCurve: Curve | undefined;

/**
 * Settles once the native curve is in use (true), or known to be unavailable (false: no prebuilt
 * binary for this platform, or a browser); until then the WebAssembly one answers. The binding is
 * imported directly, not through the package's entry, which would fall back to a slow pure-JS curve.
 */
export const nativeCurveReady: Promise<boolean> = (async () => {
  const specifier = 'secp256k1/bindings.js';
  try {
    const native = ((await import(/* @vite-ignore */ specifier)) as { default: NativeSecp256k1 }).default;
    nativeCurve = {
      recover: (digest, compact, recoveryId) => {
        try {
          return native.ecdsaRecover(compact, recoveryId, digest, false);
        } catch {
          return null;
        }
      },
      sign: (digest, privateKey) => {
        const { signature, recid } = native.ecdsaSign(digest, privateKey);
        return { signature, recoveryId: recid };
      },
      publicKey: (privateKey) => {
        try {
          return native.publicKeyCreate(privateKey, false);
        } catch {
          return null;
        }
      },
    };
    curve = nativeCurve;
    return true;
  } catch {
    return false;
  }
})();

/** Which implementation signs and recovers from now on: for tests and benchmarks that compare them. */
export async function selectCurve(name: 'native' | 'wasm'): Promise<void> {
  await nativeCurveReady;
  if (name === 'native' && !nativeCurve) throw new Error('no native secp256k1 on this platform');
  curve = name === 'native' ? nativeCurve! : wasmCurve;
}

/** Half the curve order: signatures with a larger s are malleable copies, refused on-chain too. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** The address that signed a 32-byte digest, or an Error for a malformed or malleable signature. */
export function recoverDigestSigner(digest: Hex, signature: Hex): Address {
  const bytes = hexToBytes(signature);
  if (bytes.length !== 65) throw new Error('signature must be 65 bytes');
  const compact = bytes.subarray(0, 64);
  if (BigInt(bytesToHex(compact.subarray(32))) > HALF_ORDER) throw new Error('signature s is not low');
  // Only 27 and 28: the chain's ECDSA library (ecrecover) refuses the 0/1 form, so do we.
  const v = bytes[64]!;
  if (v !== 27 && v !== 28) throw new Error(`invalid recovery byte ${v}`);
  const recoveryId = v === 27 ? 0 : 1;
  const publicKey = curve.recover(hexToBytes(digest), compact, recoveryId);
  if (!publicKey) throw new Error('no public key recovers from this signature');
  return checksumAddress(bytesToHex(keccak256Bytes(publicKey.subarray(1))).slice(-40), keccak256Bytes);
}

/** Signs a 32-byte digest; returns r ‖ s ‖ v with v = 27 or 28, as Ethereum expects. */
export function signDigest(digest: Hex, privateKey: Hex): Hex {
  const { signature, recoveryId } = curve.sign(hexToBytes(digest), hexToBytes(privateKey));
  return `${bytesToHex(signature)}${(27 + recoveryId).toString(16)}` as Hex;
}

/** The compressed public key (33 bytes) of a private key; throws for a scalar that is not a key. */
export function compressedPublicKey(privateKey: Uint8Array): Uint8Array {
  const point = curve.publicKey(privateKey);
  if (!point) throw new Error('private key is not a valid secp256k1 scalar');
  const compressed = point.slice(0, 33);
  compressed[0] = 2 + (point[64]! & 1);
  return compressed;
}

/**
 * Signs a 32-byte digest as a DER-encoded ECDSA signature (low s), the form libp2p's secp256k1
 * keys sign and verify in.
 */
export function signDigestDer(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { signature } = curve.sign(digest, privateKey);
  const r = derInteger(signature.subarray(0, 32));
  const s = derInteger(signature.subarray(32, 64));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** A DER INTEGER of an unsigned big-endian number: no leading zeros, one 0 before a high bit. */
function derInteger(unsigned: Uint8Array): number[] {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const value = [...unsigned.subarray(start)];
  if (value[0]! & 0x80) value.unshift(0);
  return [0x02, value.length, ...value];
}

/**
 * viem's local account for this key, as `privateKeyToAccount` builds it, but with the public key,
 * digests and typed data on the fast curve: viem's pure-JS curve builds its precomputed tables
 * on first use (about 110 ms here), which every process start would pay. Transactions and
 * personal messages still sign through viem.
 */
export function localAccount(privateKey: Hex): PrivateKeyAccount {
  const point = curve.publicKey(hexToBytes(privateKey));
  if (!point) throw new Error('private key is not a valid secp256k1 scalar');
  const publicKey = bytesToHex(point);
  const account = toAccount({
    address: publicKeyToAddress(publicKey),
    sign: async ({ hash }) => signDigest(hash, privateKey),
    signAuthorization: async (authorization) => signAuthorization({ ...authorization, privateKey }),
    signMessage: async ({ message }) => signMessage({ message, privateKey }),
    signTransaction: async (transaction, { serializer } = {}) =>
      signTransaction({ privateKey, transaction, ...(serializer ? { serializer } : {}) }),
    signTypedData: async (typedData) => signDigest(typedDataDigest(typedData as FlatTypedData), privateKey),
  });
  return { ...account, publicKey, source: 'privateKey' } as PrivateKeyAccount;
}
