import { createHash, ECDH } from 'node:crypto';
import {
  compressedPublicKey,
  IdlegridError,
  type MessageKind,
  type MessageOf,
  type NetworkDomain,
  signDigestDer,
  typedDataOf,
} from '@idlegrid/protocol';
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { Libp2p, PeerId, PrivateKey, Secp256k1PrivateKey, Secp256k1PublicKey } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id';
import { type Address, bytesToHex, type Hex, hashTypedData, hexToBytes, recoverPublicKey } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';

/**
 * The libp2p identity of a wallet: the same secp256k1 key as its Ethereum account. Its public
 * key and signatures come from the protocol's native curve: libp2p's own key computes them on
 * its pure-JS curve, whose first use builds precomputed tables (about 45 ms of every start).
 */
export function libp2pKeyOfWallet(walletKey: Hex): Secp256k1PrivateKey {
  if (!/^0x[0-9a-fA-F]{64}$/.test(walletKey)) {
    throw new IdlegridError('KEY_INVALID', 'a wallet key must be 32 bytes of 0x-prefixed hex');
  }
  const raw = hexToBytes(walletKey);
  let publicKey: Uint8Array;
  try {
    publicKey = compressedPublicKey(raw);
  } catch (cause) {
    throw new IdlegridError('KEY_INVALID', 'not a secp256k1 private key', { cause });
  }
  return {
    type: 'secp256k1',
    raw,
    publicKey: publicKeyFromRaw(publicKey) as Secp256k1PublicKey,
    equals: (key?: PrivateKey) => key?.raw instanceof Uint8Array && Buffer.from(key.raw).equals(raw),
    // As libp2p's secp256k1 key signs: ECDSA of the message's SHA-256, DER-encoded.
    sign: (message) => {
      const hash = createHash('sha256');
      for (const chunk of message instanceof Uint8Array ? [message] : message) hash.update(chunk);
      return signDigestDer(hash.digest(), raw);
    },
  };
}

export function peerIdOfWallet(walletKey: Hex): string {
  return peerIdFromPrivateKey(libp2pKeyOfWallet(walletKey)).toString();
}

/**
 * The Ethereum address behind a peer id: lets a node check that the peer it talks to is
 * the account that signed a message. Only secp256k1 peer ids have one.
 */
export function peerIdToAddress(peer: PeerId | string): Address {
  // libp2p keeps secp256k1 public keys compressed (33 bytes); addresses hash the uncompressed form.
  const uncompressed = ECDH.convertKey(
    publicKeyOfPeer(peer),
    'secp256k1',
    undefined,
    undefined,
    'uncompressed',
  );
  return publicKeyToAddress(bytesToHex(uncompressed as Buffer));
}

/** The account of the peer a multiaddr names (its last /p2p/ part), if it names one with an address. */
export function accountOfMultiaddr(address: string): Address | undefined {
  const peer = /\/p2p\/([^/]+)$/.exec(address)?.[1];
  if (!peer) return undefined;
  try {
    return peerIdToAddress(peer);
  } catch {
    return undefined;
  }
}

/** The compressed secp256k1 public key (33 bytes) behind a peer id: what a provider's lease secrets are sealed to. */
export function publicKeyOfPeer(peer: PeerId | string): Uint8Array {
  const peerId = typeof peer === 'string' ? parsePeerId(peer) : peer;
  if (peerId.type !== 'secp256k1') {
    throw new IdlegridError('P2P_PEER_KEY_UNSUPPORTED', `peer ${peerId} has a ${peerId.type} key`, {
      details: { peer: peerId.toString(), keyType: peerId.type },
    });
  }
  return peerId.publicKey.raw;
}

export function parsePeerId(peer: string): PeerId {
  try {
    return peerIdFromString(peer);
  } catch (cause) {
    throw new IdlegridError('INVALID_ARGUMENT', `not a peer id: ${peer}`, { cause, details: { peer } });
  }
}

/**
 * The peer id of whoever signed a message: its key recovered from the EIP-712 signature. A
 * coordinator learns this way which peer to reach for a provider it heard of only through
 * another coordinator's relay of its signed offer.
 */
export async function peerIdOfSigner<K extends MessageKind>(
  domain: NetworkDomain,
  kind: K,
  message: MessageOf<K>,
  signature: Hex,
): Promise<string> {
  const hash = hashTypedData(typedDataOf(domain, kind, message) as never);
  const uncompressed = hexToBytes(await recoverPublicKey({ hash, signature }));
  const compressed = ECDH.convertKey(uncompressed, 'secp256k1', undefined, undefined, 'compressed');
  return peerIdFromPublicKey(publicKeyFromRaw(compressed as Buffer)).toString();
}

/** The IP addresses a peer's open connections come from (a relayed one names its relay). */
export function remoteHostsOf(libp2p: Pick<Libp2p, 'getConnections'>, peer: string): string[] {
  let connections: ReturnType<Libp2p['getConnections']>;
  try {
    connections = libp2p.getConnections(peerIdFromString(peer));
  } catch {
    return [];
  }
  const hosts = connections.flatMap((connection) => {
    const host = /^\/ip[46]\/([^/]+)/.exec(connection.remoteAddr.toString())?.[1];
    return host ? [host] : [];
  });
  return [...new Set(hosts)];
}
