import { describe, expect, it } from 'vitest';
import { type ChallengeVerdict, FAILED_AFTER, HardwareClaims, SLASH_AFTER } from './claims.js';
import { provenCores } from './deadline.js';
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

  it('keeps a simultaneous challenge as evidence without judging the claim by it', () => {
    const claims = new HardwareClaims();
    claims.record(provider, verdict(true, 1));
    for (let i = 2; i < 2 + 2 * SLASH_AFTER; i++) {
      const group: `0x${string}`[] = [provider, '0x00000000000000000000000000000000000000bb'];
      const joint = { ...verdict(false, i), group };
      expect(claims.record(provider, joint).slash).toBe(false);
    }
    expect(claims.of(provider)[0]).toMatchObject({ status: 'verified', consecutiveFailures: 0 });
    expect(claims.of(provider)[0]!.recent.at(-1)!.group).toHaveLength(2);
  });

  it('counts a verified CPU claim as the best its recent challenges proved', () => {
    const claims = new HardwareClaims();
    claims.record(provider, { ...verdict(true, 1), provenCores: 4 });
    expect(claims.of(provider)[0]).toMatchObject({ status: 'verified', counted: 4 });
    expect(claims.proven(provider)).toEqual({ cpuCores: 4 });
    // A slower answer on a busy moment does not lower it; a better one raises it.
    claims.record(provider, { ...verdict(true, 2), provenCores: 2 });
    expect(claims.proven(provider)).toEqual({ cpuCores: 4 });
    claims.record(provider, { ...verdict(true, 3), provenCores: 8 });
    expect(claims.proven(provider)).toEqual({});
    // A GPU claim that fails counts for no GPU.
    claims.record(provider, { ...verdict(false, 4, 2), resource: 'gpu' });
    claims.record(provider, { ...verdict(false, 5, 2), resource: 'gpu' });
    expect(claims.proven(provider)).toEqual({ gpuCount: 0 });
  });

  it('proves cores from the timing: a claim inflated twice proves the cores it has', () => {
    const timing = { lanes: 8, referenceMs: 200, rttMs: 10 };
    // Eight lanes in one lane's time: all eight.
    expect(provenCores({ ...timing, claimed: 8, elapsedMs: 215 })).toBe(8);
    // Eight lanes on four cores as fast as the coordinator's, or on eight at half its speed: two
    // lanes' time, and five cores either way (four, and the 1.25 tolerance).
    expect(provenCores({ ...timing, claimed: 8, elapsedMs: 410 })).toBe(5);
    expect(provenCores({ ...timing, claimed: 8, elapsedMs: 60_000 })).toBe(1);
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
