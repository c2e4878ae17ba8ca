import { isIdlegridError, localAccount, networkDomain, signMessage } from '@idlegrid/protocol';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { libp2pKeyOfWallet, peerIdOfSigner, peerIdOfWallet, peerIdToAddress } from './identity.js';

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

  it('refuses non-secp256k1 peers, malformed peer ids and malformed keys', async () => {
    const ed25519 = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    expect(codeOf(() => peerIdToAddress(ed25519))).toBe('P2P_PEER_KEY_UNSUPPORTED');
    expect(codeOf(() => peerIdToAddress('not-a-peer'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => libp2pKeyOfWallet('0x1234'))).toBe('KEY_INVALID');
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
