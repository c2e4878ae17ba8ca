import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Address, getAddress, type Hex, hexToBytes, toHex } from 'viem';
import { z } from 'zod';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { canonicalJson } from '../hashing/canonical-json.js';
import { openSealedBox, sealTo } from './sealed-box.js';

/**
 * A private job (`privacy: private`): the coordinator places, relays and verifies it without
 * reading its data.
 * - Its inputs are envelopes (envelope.ts) under keys only the client holds.
 * - For each lease (first run, replica, audit), the client seals the job's secrets to the leased
 *   provider's key (`sealLeaseSecrets`) and signs them in a LeaseKeys message.
 * - The provider opens its inputs in memory, runs, and seals its outputs under a fresh key wrapped
 *   to `replyKey`. Its manifest carries `privateOutcome`: a hash of the plaintext outcome salted
 *   with the job's `salt`, equal across honest runs, so the coordinator compares runs without
 *   seeing outputs, and the client checks the output it decrypts against what runs agreed on.
 */
export interface LeaseSecrets {
  /** 32 random bytes, the same for every lease of the job, never known to the coordinator. */
  salt: Hex;
  /** The compressed public key outputs are wrapped to: the client's. */
  replyKey: Hex;
  /** The key of each sealed artifact the job reads, by CID. */
  keys: Record<string, Hex>;
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const leaseSecretsSchema = z.strictObject({
  v: z.literal(1),
  salt: hex32,
  replyKey: z.string().regex(/^0x0[23][0-9a-fA-F]{64}$/),
  keys: z.record(z.string().max(256), hex32),
});

/** What a box of lease secrets is bound to: it opens for this job's lease on this provider only. */
function leaseInfo(jobId: Hex, provider: Address): string {
  return `idlegrid/lease-secrets/v1/${jobId.toLowerCase()}/${getAddress(provider)}`;
}

/** Seals a job's secrets for one lease: to the provider's public key, bound to the job and provider. */
export function sealLeaseSecrets(
  secrets: LeaseSecrets,
  providerPublicKey: Uint8Array,
  lease: { jobId: Hex; provider: Address },
): Hex {
  const json = canonicalJson({ v: 1, ...secrets });
  return sealTo(providerPublicKey, new TextEncoder().encode(json), leaseInfo(lease.jobId, lease.provider));
}

/** Opens a box of lease secrets with the provider's wallet key: KEY_UNWRAP_FAILED when it is not for this lease. */
export function openLeaseSecrets(
  box: Hex,
  privateKey: Hex,
  lease: { jobId: Hex; provider: Address },
): LeaseSecrets {
  const bytes = openSealedBox(box, privateKey, leaseInfo(lease.jobId, lease.provider));
  let parsed: z.output<typeof leaseSecretsSchema>;
  try {
    parsed = leaseSecretsSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (cause) {
    throw new IdlegridError('KEY_UNWRAP_FAILED', 'the lease secrets are malformed', { cause });
  }
  return {
    salt: parsed.salt as Hex,
    replyKey: parsed.replyKey as Hex,
    keys: parsed.keys as Record<string, Hex>,
  };
}

/** The plaintext outcome of a run, as runs of a private job must agree on it. */
export interface PlainOutcome {
  exitCode: number;
  /** sha-256 of the plaintext stdout. */
  stdoutSha256: Hex;
  stdoutTruncated: boolean;
  errorCode: string;
}

/** The salted commitment to a plain outcome: equal for equal outcomes of one job, opaque to whoever lacks the salt. */
export function privateOutcome(salt: Hex, outcome: PlainOutcome): Hex {
  return toHex(sha256(new TextEncoder().encode(canonicalJson({ salt: salt.toLowerCase(), ...outcome }))));
}

/**
 * The salt of a client's private job, derived from its wallet key and the job id: nothing to
 * store, and the same whenever the client needs it again (to check a result it fetches later).
 */
export function jobSalt(privateKey: Hex, jobId: Hex): Hex {
  return toHex(
    hkdf(
      sha256,
      hexToBytes(privateKey),
      hexToBytes(jobId),
      new TextEncoder().encode('idlegrid/job-salt/v1'),
      32,
    ),
  );
}

/** sha-256 as 0x hex (pure JavaScript: browsers and Node alike). */
export function sha256Hex(bytes: Uint8Array): Hex {
  return toHex(sha256(bytes));
}
