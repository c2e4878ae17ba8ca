import { describe, expect, it } from 'vitest';
import { describeClaim, type HardwareClaim } from './provider-risk.js';

const last = { passed: true, elapsedMs: 400, deadlineMs: 900, referenceMs: 200, at: 0 };
const claim = (extra: Partial<HardwareClaim>): HardwareClaim => ({
  resource: 'cpu',
  claimed: 8,
  status: 'verified',
  verifiedAt: 0,
  consecutiveFailures: 0,
  last,
  ...extra,
});

describe('a hardware claim in a line', () => {
  it('says how many claimed cores the challenges proved, when fewer', () => {
    expect(describeClaim(claim({ counted: 4 }))).toMatch(
      /^8 cores: verified .*, 4 proven \(0\.4 s of 0\.9 s allowed\)$/,
    );
    expect(describeClaim(claim({ counted: 8 }))).not.toMatch(/proven/);
  });

  it('says why a failed claim failed, and marks one not yet challenged', () => {
    const failed = claim({
      status: 'failed',
      consecutiveFailures: 3,
      last: { ...last, passed: false, failure: 'late' },
    });
    expect(describeClaim(failed)).toBe(
      '8 cores: failed 3 challenges in a row, last late (0.4 s of 0.9 s allowed)',
    );
    expect(describeClaim(claim({ resource: 'gpu', claimed: 2, status: 'unverified', last: null }))).toBe(
      '2 GPU(s): unverified',
    );
  });
});
