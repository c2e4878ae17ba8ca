import { describe, expect, it } from 'vitest';
import { type ChallengeVerdict, FAILED_AFTER, HardwareClaims, SLASH_AFTER } from './claims.js';
import { hardwareEvidence } from './evidence.js';

const provider = '0x00000000000000000000000000000000000000aa';

function verdict(passed: boolean, at: number, claimed = 8): ChallengeVerdict {
  return {
    resource: 'cpu',
    challengeId: `0x${at.toString(16).padStart(64, '0')}`,
    claimed,
    passed,
    ...(passed ? {} : { failure: 'late' as const }),
    elapsedMs: passed ? 300 : 2_000,
    deadlineMs: 750,
    referenceMs: 200,
    at,
    group: [],
  };
}

describe('hardware claims', () => {
  it('is unverified until judged, verified with its date, failed only after failures in a row', () => {
    const claims = new HardwareClaims();
    claims.claim(provider, { cpu: 8 });
    expect(claims.status(provider, 'cpu')).toBe('unverified');
    claims.record(provider, verdict(true, 1_000));
    expect(claims.of(provider)[0]).toMatchObject({ status: 'verified', verifiedAt: 1_000 });
    for (let i = 1; i < FAILED_AFTER; i++) claims.record(provider, verdict(false, 1_000 + i));
    // One slow answer on a busy machine is forgiven once.
    expect(claims.status(provider, 'cpu')).toBe('verified');
    expect(claims.proven(provider)).toEqual({});
    claims.record(provider, verdict(false, 2_000));
    expect(claims.status(provider, 'cpu')).toBe('failed');
    expect(claims.proven(provider)).toEqual({ cpuCores: 1 });
    claims.record(provider, verdict(true, 3_000));
    expect(claims.of(provider)[0]).toMatchObject({
      status: 'verified',
      verifiedAt: 3_000,
      consecutiveFailures: 0,
    });
  });

  it('slashes at every SLASH_AFTER-th failure in a row, with the challenges as evidence', () => {
    const claims = new HardwareClaims();
    const slashes: number[] = [];
    for (let i = 1; i <= 2 * SLASH_AFTER; i++)
      if (claims.record(provider, verdict(false, i)).slash) slashes.push(i);
    expect(slashes).toEqual([SLASH_AFTER, 2 * SLASH_AFTER]);
    const evidence = hardwareEvidence(provider, claims.of(provider)[0]!);
    const shown = JSON.parse(new TextDecoder().decode(evidence.bytes));
    expect(shown).toMatchObject({
      reason: 'hardware-claim-failed',
      accused: provider,
      resource: 'cpu',
      claimed: 8,
    });
    expect(shown.challenges.at(-1)).toMatchObject({ elapsedMs: 2_000, deadlineMs: 750, failure: 'late' });
    expect(hardwareEvidence(provider, claims.of(provider)[0]!).hash).toBe(evidence.hash);
  });

  it('starts over when the claim changes, and forgets a claim dropped from the offer', () => {
    const claims = new HardwareClaims();
    claims.record(provider, verdict(false, 1));
    claims.record(provider, verdict(false, 2));
    expect(claims.status(provider, 'cpu')).toBe('failed');
    claims.claim(provider, { cpu: 2 });
    expect(claims.of(provider)[0]).toMatchObject({
      claimed: 2,
      status: 'unverified',
      consecutiveFailures: 0,
    });
    claims.claim(provider, { gpu: 1 });
    expect(claims.of(provider).map((claim) => claim.resource)).toEqual(['gpu']);
  });
});
