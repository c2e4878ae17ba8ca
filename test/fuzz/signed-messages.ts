import {
  cidOfBytes,
  localAccount,
  type NetworkDomain,
  networkDomain,
  type SignedMessage,
  signMessage,
  type TypedDataSigner,
  toWireJson,
} from '@idlegrid/protocol';
import { buildWasmJobSpec, randomJobId, randomNonce } from '@idlegrid/sdk';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';

/**
 * How a signed message is spoiled after the protocol's own signing made it valid. `none` and
 * `high-s` still come from the key that signs (a high-s twin is the same signature, malleated);
 * every other one must be refused.
 */
export const CORRUPTIONS = [
  'none',
  'high-s',
  'tampered-field',
  'flipped-signature',
  'truncated-signature',
  'extended-signature',
  'zero-signature',
  'wrong-v',
  'other-signer',
  'other-chain',
  'wrong-kind',
  'expired',
  'far-expiry',
  'signature-of-other-message',
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** The secp256k1 group order: a signature (r, s) has a twin (r, n - s) that recovers the same key. */
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

export interface SigningParties {
  domain: NetworkDomain;
  /** Signs as the message's author (the client). */
  signer: TypedDataSigner;
}

/** A JobSpec for a module that does not exist (so that even an accepted one runs nowhere). */
function jobSpecOf(client: Hex, expiryOffset: bigint) {
  const now = nowSeconds();
  const spec = buildWasmJobSpec({
    client,
    moduleCid: cidOfBytes(crypto.getRandomValues(new Uint8Array(16))),
    args: ['fuzz'],
    maxPrice: 10n ** 15n,
    deadlineSeconds: 60,
    memoryMb: 16,
    cpuCores: 1,
    nowSeconds: now,
  });
  return { ...spec, expiry: now + expiryOffset };
}

function flipHexDigit(signature: Hex, at: number): Hex {
  const index = 2 + (at % (signature.length - 2));
  const digit = signature[index]!;
  const flipped = digit === '0' ? '1' : '0';
  return `${signature.slice(0, index)}${flipped}${signature.slice(index + 1)}` as Hex;
}

function highS(signature: Hex): Hex {
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  const twin = (CURVE_N - s).toString(16).padStart(64, '0');
  const otherV = (v === 27 ? 28 : v === 28 ? 27 : v ^ 1).toString(16).padStart(2, '0');
  return `0x${r}${twin}${otherV}` as Hex;
}

/** A signed JobSpec spoiled as `corruption` says, in wire form (bigints as strings). */
export async function spoiledJobSpec(
  parties: SigningParties,
  corruption: Corruption,
  at: number,
): Promise<string> {
  const { domain, signer } = parties;
  const expiryOffset = corruption === 'expired' ? -600n : corruption === 'far-expiry' ? 10n ** 9n : 300n;
  const input = jobSpecOf(signer.address, expiryOffset);
  const sign = (who: TypedDataSigner, on: NetworkDomain, message = input) =>
    signMessage(who, on, 'JobSpec', message);
  let signed: SignedMessage<'JobSpec'> | Record<string, unknown>;
  if (corruption === 'far-expiry') {
    // signMessage checks its input; the far expiry is put in after signing a valid one
    const valid = await sign(signer, domain);
    signed = { ...valid, message: { ...valid.message, expiry: input.expiry } };
  } else if (corruption === 'other-signer') signed = await sign(localAccount(generatePrivateKey()), domain);
  else if (corruption === 'other-chain')
    signed = await sign(signer, networkDomain(1, domain.verifyingContract));
  else signed = await sign(signer, domain);
  const valid = signed as SignedMessage<'JobSpec'>;
  switch (corruption) {
    case 'high-s':
      signed = { ...valid, signature: highS(valid.signature) };
      break;
    case 'tampered-field':
      signed = { ...valid, message: { ...valid.message, maxPrice: valid.message.maxPrice + 1n } };
      break;
    case 'flipped-signature':
      signed = { ...valid, signature: flipHexDigit(valid.signature, at) };
      break;
    case 'truncated-signature':
      signed = { ...valid, signature: valid.signature.slice(0, 2 + (at % 130)) };
      break;
    case 'extended-signature':
      signed = { ...valid, signature: `${valid.signature}00` };
      break;
    case 'zero-signature':
      signed = { ...valid, signature: `0x${'0'.repeat(130)}` };
      break;
    case 'wrong-v':
      signed = { ...valid, signature: `${valid.signature.slice(0, 130)}${['00', '01', '1d', 'ff'][at % 4]}` };
      break;
    case 'wrong-kind':
      signed = { ...valid, kind: 'JobCancel' };
      break;
    case 'signature-of-other-message': {
      const other = await sign(signer, domain, { ...input, jobId: randomJobId(), nonce: randomNonce() });
      signed = { ...valid, signature: other.signature };
      break;
    }
    default:
      break;
  }
  return toWireJson(signed);
}

/** A signed JobCancel or Voucher for `jobId`, spoiled or not, in wire form. */
export async function spoiledCancelOrVoucher(
  parties: SigningParties,
  kind: 'JobCancel' | 'Voucher',
  jobId: Hex,
  corruption: Corruption,
  at: number,
): Promise<string> {
  const { domain, signer } = parties;
  const now = nowSeconds();
  const expiry = now + (corruption === 'expired' ? -600n : 300n);
  const signed =
    kind === 'JobCancel'
      ? await signMessage(
          corruption === 'other-signer' ? localAccount(generatePrivateKey()) : signer,
          domain,
          'JobCancel',
          {
            client: signer.address,
            jobId,
            nonce: randomNonce(),
            expiry,
          },
        )
      : await signMessage(
          corruption === 'other-signer' ? localAccount(generatePrivateKey()) : signer,
          domain,
          'Voucher',
          {
            client: signer.address,
            provider: localAccount(generatePrivateKey()).address,
            cumulativeAmount: BigInt(at) * 10n ** 12n,
            nonce: BigInt(at),
            expiry,
          },
        );
  let spoiled: Record<string, unknown> = { ...signed };
  if (corruption === 'flipped-signature')
    spoiled = { ...signed, signature: flipHexDigit(signed.signature, at) };
  else if (corruption === 'high-s') spoiled = { ...signed, signature: highS(signed.signature) };
  else if (corruption === 'zero-signature') spoiled = { ...signed, signature: `0x${'0'.repeat(130)}` };
  else if (corruption === 'wrong-kind')
    spoiled = { ...signed, kind: kind === 'Voucher' ? 'JobCancel' : 'Voucher' };
  else if (corruption === 'tampered-field')
    spoiled = { ...signed, message: { ...signed.message, nonce: 1n } };
  return kind === 'Voucher' ? toWireJson({ voucher: spoiled }) : toWireJson(spoiled);
}

export const corruption = fc.constantFrom(...CORRUPTIONS);

/** Whether the coordinator must refuse a message spoiled so. */
export function mustBeRefused(corruption: Corruption): boolean {
  return corruption !== 'none' && corruption !== 'high-s';
}
