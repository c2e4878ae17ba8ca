import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { networkDomain } from '../eip712/domain.js';
import { MESSAGE_KINDS } from '../eip712/types.js';
import { isIdlegridError } from '../errors/idlegrid-error.js';
import { sampleMessages } from '../testing/sample-messages.js';
import { ReplayGuard } from './replay-guard.js';
import { signMessage } from './sign.js';
import { verifySignedMessage } from './verify.js';
import { parseWireJson, toWireJson } from './wire.js';

const author = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const NOW = 1_800_000_000n;
const samples = sampleMessages(author.address, NOW + 600n);

async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isIdlegridError(error) ? error.code : error).toBe(code);
}

describe('signed protocol messages', () => {
  it.each(MESSAGE_KINDS)('%s round-trips over the wire and verifies', async (kind) => {
    const signed = await signMessage(author, domain, kind, samples[kind]);
    const received = parseWireJson(toWireJson(signed));
    const verified = await verifySignedMessage(domain, received, { nowSeconds: NOW, kind });
    expect(verified.signer).toBe(author.address);
    expect(verified.message).toEqual(signed.message);
  });

  it('rejects a tampered field', async () => {
    const signed = await signMessage(author, domain, 'Voucher', samples.Voucher);
    const tampered = { ...signed, message: { ...signed.message, cumulativeAmount: 10n ** 20n } };
    await expectCode(verifySignedMessage(domain, tampered, { nowSeconds: NOW }), 'SIGNER_MISMATCH');
  });

  it('rejects a message signed by someone other than its author', async () => {
    const forged = await signMessage(stranger, domain, 'Offer', samples.Offer);
    await expectCode(verifySignedMessage(domain, forged, { nowSeconds: NOW }), 'SIGNER_MISMATCH');
  });

  it('accepts a delegate signer only when the caller allows it', async () => {
    const delegated = await signMessage(stranger, domain, 'Voucher', samples.Voucher);
    const verified = await verifySignedMessage(domain, delegated, {
      nowSeconds: NOW,
      acceptDelegate: (signer) => signer === stranger.address,
    });
    expect(verified.signer).toBe(stranger.address);
    expect(verified.author).toBe(author.address);
  });

  it('is bound to the chain and the contract of its domain', async () => {
    const signed = await signMessage(author, domain, 'JobSpec', samples.JobSpec);
    const otherChain = networkDomain(1, domain.verifyingContract);
    const otherContract = networkDomain(31337, stranger.address);
    await expectCode(verifySignedMessage(otherChain, signed, { nowSeconds: NOW }), 'SIGNER_MISMATCH');
    await expectCode(verifySignedMessage(otherContract, signed, { nowSeconds: NOW }), 'SIGNER_MISMATCH');
  });

  it('rejects expired messages and expiries too far ahead', async () => {
    const signed = await signMessage(author, domain, 'Heartbeat', samples.Heartbeat);
    await expectCode(verifySignedMessage(domain, signed, { nowSeconds: NOW + 601n }), 'MESSAGE_EXPIRED');
    await expectCode(
      verifySignedMessage(domain, signed, { nowSeconds: NOW, maxLifetimeSeconds: 60 }),
      'MESSAGE_EXPIRY_TOO_FAR',
    );
  });

  it('rejects a replayed nonce but accepts a fresh one', async () => {
    const replayGuard = new ReplayGuard();
    const first = await signMessage(author, domain, 'Heartbeat', samples.Heartbeat);
    await verifySignedMessage(domain, first, { nowSeconds: NOW, replayGuard });
    await expectCode(
      verifySignedMessage(domain, first, { nowSeconds: NOW, replayGuard }),
      'MESSAGE_REPLAYED',
    );
    const next = await signMessage(author, domain, 'Heartbeat', { ...samples.Heartbeat, nonce: 2n });
    await verifySignedMessage(domain, next, { nowSeconds: NOW, replayGuard });
  });

  it('does not let an invalid message burn a nonce', async () => {
    const replayGuard = new ReplayGuard();
    const forged = await signMessage(stranger, domain, 'Offer', samples.Offer);
    await expectCode(
      verifySignedMessage(domain, forged, { nowSeconds: NOW, replayGuard }),
      'SIGNER_MISMATCH',
    );
    const genuine = await signMessage(author, domain, 'Offer', samples.Offer);
    await verifySignedMessage(domain, genuine, { nowSeconds: NOW, replayGuard });
  });

  it('gives stable codes for malformed envelopes', async () => {
    const signed = await signMessage(author, domain, 'Offer', samples.Offer);
    await expectCode(verifySignedMessage(domain, null, { nowSeconds: NOW }), 'MESSAGE_INVALID');
    await expectCode(verifySignedMessage(domain, { ...signed, kind: 'Bribe' }), 'MESSAGE_UNKNOWN_KIND');
    await expectCode(verifySignedMessage(domain, { ...signed, signature: '0x12' }), 'SIGNATURE_INVALID');
    await expectCode(
      verifySignedMessage(domain, signed, { nowSeconds: NOW, kind: 'Voucher' }),
      'MESSAGE_INVALID',
    );
    await expectCode(
      verifySignedMessage(
        domain,
        { ...signed, message: { ...signed.message, cpuCores: -1 } },
        { nowSeconds: NOW },
      ),
      'MESSAGE_INVALID',
    );
  });
});
