import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { isIdlegridError } from '../errors/idlegrid-error.js';
import { jobSalt, openLeaseSecrets, privateOutcome, sealLeaseSecrets, sha256Hex } from './private-jobs.js';
import { openSealedBox, publicKeyOf, sealTo } from './sealed-box.js';

const JOB = `0x${'ab'.repeat(32)}` as const;
const OTHER_JOB = `0x${'cd'.repeat(32)}` as const;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isIdlegridError(error) ? error.code : String(error);
  }
  return 'no error';
}

describe('private jobs: lease secrets and outcomes', () => {
  const client = generatePrivateKey();
  const providerKey = generatePrivateKey();
  const provider = privateKeyToAddress(providerKey);
  const secrets = {
    salt: jobSalt(client, JOB),
    replyKey: `0x${Buffer.from(publicKeyOf(client)).toString('hex')}` as const,
    keys: { bafkreiexample: `0x${'11'.repeat(32)}` as const },
  };

  it('opens only for the lease it was sealed for', () => {
    const box = sealLeaseSecrets(secrets, publicKeyOf(providerKey), { jobId: JOB, provider });
    expect(openLeaseSecrets(box, providerKey, { jobId: JOB, provider })).toEqual(secrets);
    // Another job, another provider, another key: none opens it.
    expect(codeOf(() => openLeaseSecrets(box, providerKey, { jobId: OTHER_JOB, provider }))).toBe(
      'KEY_UNWRAP_FAILED',
    );
    const stranger = privateKeyToAddress(generatePrivateKey());
    expect(codeOf(() => openLeaseSecrets(box, providerKey, { jobId: JOB, provider: stranger }))).toBe(
      'KEY_UNWRAP_FAILED',
    );
    expect(codeOf(() => openLeaseSecrets(box, generatePrivateKey(), { jobId: JOB, provider }))).toBe(
      'KEY_UNWRAP_FAILED',
    );
  });

  it('refuses a box that opens but holds no lease secrets', () => {
    const info = `idlegrid/lease-secrets/v1/${JOB}/${provider}`;
    const box = sealTo(publicKeyOf(providerKey), new TextEncoder().encode('{"v":1}'), info);
    expect(openSealedBox(box, providerKey, info)).toHaveLength(7);
    expect(codeOf(() => openLeaseSecrets(box, providerKey, { jobId: JOB, provider }))).toBe(
      'KEY_UNWRAP_FAILED',
    );
  });

  it('derives one salt per client and job', () => {
    expect(jobSalt(client, JOB)).toBe(secrets.salt);
    expect(jobSalt(client, OTHER_JOB)).not.toBe(secrets.salt);
    expect(jobSalt(generatePrivateKey(), JOB)).not.toBe(secrets.salt);
  });

  it('commits equal outcomes alike, and any difference or another salt otherwise', () => {
    const outcome = {
      exitCode: 0,
      stdoutSha256: sha256Hex(new TextEncoder().encode('42\n')),
      stdoutTruncated: false,
      errorCode: '',
    };
    const committed = privateOutcome(secrets.salt, outcome);
    expect(privateOutcome(secrets.salt, { ...outcome })).toBe(committed);
    expect(privateOutcome(secrets.salt, { ...outcome, exitCode: 1 })).not.toBe(committed);
    expect(
      privateOutcome(secrets.salt, { ...outcome, stdoutSha256: sha256Hex(new TextEncoder().encode('43\n')) }),
    ).not.toBe(committed);
    expect(privateOutcome(jobSalt(client, OTHER_JOB), outcome)).not.toBe(committed);
  });
});
