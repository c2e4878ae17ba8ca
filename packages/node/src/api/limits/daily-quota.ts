const DAY_MS = 86_400_000;

/** What one key used in one UTC day. */
export interface DayUsage {
  day: number;
  used: number;
}

export function dayOf(now: number): number {
  return Math.floor(now / DAY_MS);
}

/** The usage as of `now`: a new day starts at zero. */
export function usageOn(usage: DayUsage | undefined, now: number): DayUsage {
  const day = dayOf(now);
  return usage && usage.day === day ? usage : { day, used: 0 };
}

/** Milliseconds until the next UTC midnight, when every quota renews. */
export function untilNextDayMs(now: number): number {
  return (dayOf(now) + 1) * DAY_MS - now;
}
