import type { Hex } from 'viem';

/**
 * The messages of a round, all JSON-friendly. The one bulky message, the masked input, is a
 * Uint32Array (4 bytes a value); `encodeMaskedInput` turns it into base64 where a transport wants text.
 */

/** Stage 0, client → all (via the server): the client's two ephemeral public keys for this round. */
export interface KeyAdvertisement {
  address: string;
  /** Compressed secp256k1 public key (33 bytes) for encrypting shares to this client. */
  cPublicKey: Hex;
  /** Compressed secp256k1 public key (33 bytes) for agreeing pairwise masks. */
  sPublicKey: Hex;
  /** EIP-191 signature by the client's identity key over `advertisementText`. */
  signature: Hex;
}

/** Stage 1, client → one neighbour (via the server): that neighbour's shares of b and of s. */
export interface EncryptedShare {
  from: string;
  to: string;
  /** base64 of nonce (12) | AES-256-GCM of share of b (32) | share of s (32) | tag (16): 92 bytes. */
  ciphertext: string;
}

/** Stage 3, server → each survivor: who sent a masked input, and who sent shares but no input. */
export interface UnmaskRequest {
  survivors: string[];
  dropped: string[];
}

/** One revealed Shamir share; its x-coordinate is the revealer's. */
export interface RevealedShare {
  of: string;
  share: Hex;
}

/** Stage 3, survivor → server. */
export interface UnmaskShares {
  from: string;
  /** Shares of the self-mask seed b of each surviving neighbour. */
  selfMaskShares: RevealedShare[];
  /** Shares of the mask secret key s of each dropped neighbour. */
  secretKeyShares: RevealedShare[];
}

/** What an advertisement signs: the round and both keys, so that it cannot be replayed elsewhere. */
export function advertisementText(advert: Omit<KeyAdvertisement, 'signature'>, roundId: string): string {
  return [
    'idlegrid secure aggregation key advertisement v1',
    `round: ${roundId}`,
    `address: ${advert.address}`,
    `c: ${advert.cPublicKey}`,
    `s: ${advert.sPublicKey}`,
  ].join('\n');
}

/** A masked input as base64 of its little-endian 32-bit words. */
export function encodeMaskedInput(masked: Uint32Array): string {
  const bytes = Buffer.alloc(masked.length * 4);
  for (let i = 0; i < masked.length; i++) bytes.writeUInt32LE(masked[i]!, i * 4);
  return bytes.toString('base64');
}

export function decodeMaskedInput(base64: string, length: number): Uint32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== length * 4)
    throw new RangeError(`a masked input of ${length} values has ${length * 4} bytes`);
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}
