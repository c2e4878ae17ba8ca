import { secp256k1 } from '@noble/curves/secp256k1.js';
import { nodeCryptoNow } from '../hashing/node-crypto.js';

/**
 * ECDH on secp256k1 for sealed boxes: Node's native curve where it is loaded (a few hundredths of a
 * millisecond), @noble/curves elsewhere (about a millisecond and a half per point multiplication).
 * Both give the same bytes; `portable` picks @noble even in Node (the tests compare them).
 */
export interface Agreement {
  /** The x-coordinate of the shared point (32 bytes). */
  sharedX: Uint8Array;
  /** The compressed public key of the local side (33 bytes). */
  publicKey: Uint8Array;
}

/** A fresh ephemeral key pair agreed with `recipient` (a compressed public key). */
export function ephemeralAgreement(recipient: Uint8Array, portable = false): Agreement {
  const node = portable ? undefined : nodeCryptoNow();
  if (node) {
    const ecdh = node.createECDH('secp256k1');
    ecdh.generateKeys();
    return {
      sharedX: new Uint8Array(ecdh.computeSecret(recipient)),
      publicKey: new Uint8Array(ecdh.getPublicKey(null, 'compressed')),
    };
  }
  const secret = secp256k1.utils.randomSecretKey();
  return {
    sharedX: secp256k1.getSharedSecret(secret, recipient, true).subarray(1),
    publicKey: secp256k1.getPublicKey(secret, true),
  };
}

/** The agreement of a private key with a peer's public key (compressed or not). */
export function agreementWith(secret: Uint8Array, peer: Uint8Array, portable = false): Agreement {
  const node = portable ? undefined : nodeCryptoNow();
  if (node) {
    const ecdh = node.createECDH('secp256k1');
    ecdh.setPrivateKey(secret);
    return {
      sharedX: new Uint8Array(ecdh.computeSecret(peer)),
      publicKey: new Uint8Array(ecdh.getPublicKey(null, 'compressed')),
    };
  }
  return {
    sharedX: secp256k1.getSharedSecret(secret, peer, true).subarray(1),
    publicKey: secp256k1.getPublicKey(secret, true),
  };
}
