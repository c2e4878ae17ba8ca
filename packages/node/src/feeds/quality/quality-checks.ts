/** The checks of a reading's quality, in the order a reading's main reason is picked from. */
export const QUALITY_CHECKS = [
  'plausible',
  'rate',
  'stuck',
  'copy',
  'location',
  'drift',
  'neighbours',
] as const;
export type QualityCheck = (typeof QUALITY_CHECKS)[number];

/**
 * One check's verdict on one reading: `ok` true (passed), false (failed: the reading is not paid),
 * `'warn'` (doubtful: paid, at a lower score) or null (could not run, e.g. no neighbours), and why.
 */
export interface CheckResult {
  check: QualityCheck;
  ok: boolean | 'warn' | null;
  why: string;
}

/** What a verdict does to the score: a failure zeroes it, a doubt lowers it. */
export const WARN_FACTOR = 0.7;
/** Readings at or above this score are paid. */
export const REWARD_THRESHOLD = 0.5;

export function scoreOf(checks: readonly CheckResult[]): number {
  let score = 1;
  for (const { ok } of checks) {
    if (ok === false) return 0;
    if (ok === 'warn') score *= WARN_FACTOR;
  }
  return score;
}

/** The first failed check in QUALITY_CHECKS order (then the first doubt): the reason a reading shows first. */
export function mainReason(checks: readonly CheckResult[]): CheckResult | undefined {
  for (const verdict of [false, 'warn'] as const)
    for (const check of QUALITY_CHECKS) {
      const found = checks.find((c) => c.check === check && c.ok === verdict);
      if (found) return found;
    }
  return undefined;
}

/** The sentence of each check that passes the same way every time (neighbours and drift say more). */
const PASSED: Partial<Record<QualityCheck, string>> = {
  plausible: 'every value is physically possible',
  rate: 'changes as fast as the kind can',
  stuck: 'the values move',
  copy: 'its values are its own',
  location: 'its place is consistent',
};

/** One frozen verdict per check, shared: most readings pass most checks, and each would allocate. */
const PASSED_RESULTS = new Map(
  Object.entries(PASSED).map(([check, why]) => [
    check,
    Object.freeze({ check, ok: true, why }) as CheckResult,
  ]),
);

export function passed(check: QualityCheck): CheckResult {
  return PASSED_RESULTS.get(check)!;
}

/**
 * Checks as stored: a plain pass as its name alone, anything else whole. Most readings pass
 * most checks, so a reading's row shrinks several-fold (and the scores' commits with it).
 */
export function packChecks(checks: readonly CheckResult[]): (QualityCheck | CheckResult)[] {
  return checks.map((c) => (c.ok === true && PASSED[c.check] === c.why ? c.check : c));
}

export function unpackChecks(packed: readonly (QualityCheck | CheckResult)[]): CheckResult[] {
  return packed.map((c) => (typeof c === 'string' ? passed(c) : c));
}
