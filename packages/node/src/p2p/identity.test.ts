import { isIdlegridError, localAccount, networkDomain, signMessage } from '@idlegrid/protocol';
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { Uint8ArrayList } from 'uint8arraylist';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  accountOfMultiaddr,
  libp2pKeyOfWallet,
  peerIdOfSigner,
  peerIdOfWallet,
  peerIdToAddress,
} from './identity.js';

function codeOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return isIdlegridError(error) ? error.code : error;
  }
  return 'no error';
}

describe('p2p identity', () => {
  it('maps the peer id of a wallet key back to its Ethereum address', () => {
    // 16 random keys cover both parities of the compressed public key
    for (let i = 0; i < 16; i++) {
      const key = generatePrivateKey();
      const peerId = peerIdOfWallet(key);
      expect(peerId).toMatch(/^16Uiu2/);
      expect(peerIdToAddress(peerId)).toBe(privateKeyToAddress(key));
    }
  });

  it('uses the wallet key itself as the libp2p key', () => {
    const key = generatePrivateKey();
    expect(Buffer.from(libp2pKeyOfWallet(key).raw).toString('hex')).toBe(key.slice(2));
  });

  it("is libp2p's own secp256k1 key: same public key and peer id, signatures it verifies", async () => {
    // 16 random keys: both parities of the public key, and DER signatures with and without a leading 0
    for (let i = 0; i < 16; i++) {
      const key = generatePrivateKey();
      const ours = libp2pKeyOfWallet(key);
      const theirs = privateKeyFromRaw(Buffer.from(key.slice(2), 'hex'));
      expect(ours.publicKey.equals(theirs.publicKey)).toBe(true);
      expect(peerIdFromPrivateKey(ours).toString()).toBe(peerIdFromPrivateKey(theirs).toString());
      expect(ours.equals(theirs)).toBe(true);
      // Signed in parts, as libp2p hands a Uint8ArrayList
      const message = new Uint8ArrayList(Buffer.from(`noise payload ${i}`), Buffer.from(key));
      const signature = await ours.sign(message);
      expect(await theirs.publicKey.verify(message.subarray(), signature)).toBe(true);
      expect(await theirs.publicKey.verify(Buffer.from('another message'), signature)).toBe(false);
    }
  });

  it('names the account a multiaddr dials: its last peer id, through a relay too', () => {
    const coordinator = generatePrivateKey();
    const relay = peerIdOfWallet(generatePrivateKey());
    const peer = peerIdOfWallet(coordinator);
    expect(accountOfMultiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${peer}`)).toBe(privateKeyToAddress(coordinator));
    expect(accountOfMultiaddr(`/ip4/10.0.0.1/tcp/4001/p2p/${relay}/p2p-circuit/p2p/${peer}`)).toBe(
      privateKeyToAddress(coordinator),
    );
    expect(accountOfMultiaddr('/ip4/127.0.0.1/tcp/4001')).toBeUndefined();
    expect(accountOfMultiaddr('/ip4/127.0.0.1/tcp/4001/p2p/not-a-peer')).toBeUndefined();
  });

  it('refuses non-secp256k1 peers, malformed peer ids and malformed keys', async () => {
    const ed25519 = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    expect(codeOf(() => peerIdToAddress(ed25519))).toBe('P2P_PEER_KEY_UNSUPPORTED');
    expect(codeOf(() => peerIdToAddress('not-a-peer'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => libp2pKeyOfWallet('0x1234'))).toBe('KEY_INVALID');
    // The curve's order is not a key
    const order = '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';
    expect(codeOf(() => libp2pKeyOfWallet(order))).toBe('KEY_INVALID');
  });

  it('recovers the peer id of whoever signed a message', async () => {
    const domain = networkDomain(31_337, privateKeyToAddress(generatePrivateKey()));
    // 8 random keys cover both parities of the recovered public key
    for (let i = 0; i < 8; i++) {
      const key = generatePrivateKey();
      const signer = localAccount(key);
      const { message, signature } = await signMessage(signer, domain, 'Heartbeat', {
        provider: signer.address,
        sequence: 1n,
        cpuLoadPermille: 0,
        memoryFreeMb: 0,
        activeJobs: 0,
        nonce: 1n,
        expiry: 2_000_000_000n,
      });
      expect(await peerIdOfSigner(domain, 'Heartbeat', message, signature)).toBe(peerIdOfWallet(key));
    }
  });
});
