import {
  type NetworkDomain,
  type SignedMessage,
  signMessage,
  type TypedDataSigner,
} from '@idlegrid/protocol';
import { type AvailabilityPolicy, availabilitySpan } from './availability.js';
import { gpuSummary, type Hardware } from './hardware.js';

export interface OfferTerms {
  hardware: Hardware;
  /** Runtimes it executes (see RuntimeSet). */
  runtimes: readonly string[];
  /** Models it serves, as listings (`runtime:name@cid`, see market/model-listing.ts). */
  models: readonly string[];
  /** Datasets it holds, as listings (`name:count:shape`, see datasets/dataset-format.ts). */
  datasets: readonly string[];
  /** Token base units per CPU-second. */
  pricePerCpuSecond: bigint;
  pricePerGpuSecond: bigint;
  pricePerGbSecond: bigint;
  pricePer1kTokens: bigint;
  minJobSeconds: number;
  /** The longest job taken: the daemon's wall-time limit. */
  maxJobSeconds: number;
  region: string;
  availability: AvailabilityPolicy;
  /** How long the offer stands, in seconds. */
  ttlSeconds: number;
}

/**
 * Strictly increasing nonces that also stay ahead across restarts (they start at the
 * clock in microseconds), so a restarted provider never reuses a nonce its peers remember.
 */
export function nonceSource(): () => bigint {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1000n;
    last = now > last ? now : last + 1n;
    return last;
  };
}

export function signOffer(
  signer: TypedDataSigner,
  domain: NetworkDomain,
  terms: OfferTerms,
  nonce: bigint,
  now: Date,
): Promise<SignedMessage<'Offer'>> {
  const span = availabilitySpan(terms.availability, now, terms.ttlSeconds);
  return signMessage(signer, domain, 'Offer', {
    provider: signer.address,
    region: terms.region,
    runtimes: [...terms.runtimes],
    models: [...terms.models],
    datasets: [...terms.datasets],
    cpuCores: terms.hardware.cpuCores,
    memoryMb: terms.hardware.memoryMb,
    ...gpuSummary(terms.hardware.gpus),
    pricePerCpuSecond: terms.pricePerCpuSecond,
    pricePerGpuSecond: terms.pricePerGpuSecond,
    pricePerGbSecond: terms.pricePerGbSecond,
    pricePer1kTokens: terms.pricePer1kTokens,
    minJobSeconds: terms.minJobSeconds,
    maxJobSeconds: terms.maxJobSeconds,
    availableFrom: span.from,
    availableUntil: span.until,
    nonce,
    expiry: BigInt(Math.floor(now.getTime() / 1000) + terms.ttlSeconds),
  });
}
