import { IdlegridError } from '@idlegrid/protocol';

/**
 * When a provider takes jobs: `always`; during a daily local-time `window` (which may cross
 * midnight, like 22:00-07:00); or while the machine is `idle`, i.e. the CPU load of
 * everything but our own jobs, per core, stays below `maxLoad`.
 */
export type AvailabilityPolicy =
  | { kind: 'always' }
  | { kind: 'window'; startMinute: number; endMinute: number }
  | { kind: 'idle'; maxLoad: number };

/** What the decision reads; injected so that it is a pure function of clock and load. */
export interface AvailabilityInputs {
  now: Date;
  /** One-minute load average (`os.loadavg()[0]`). */
  load1: number;
  cores: number;
  /** Cores our own running jobs keep busy: they are not "other" load. */
  ownBusyCores: number;
}

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** Parses `always`, `window:22:00-07:00` (or bare `22:00-07:00`), `idle:0.5` (or `idle`: 0.5). */
export function parseAvailability(text: string): AvailabilityPolicy {
  const value = text.trim();
  if (value === 'always') return { kind: 'always' };
  const idle = /^idle(?::(.*))?$/.exec(value);
  if (idle) {
    const maxLoad = idle[1] === undefined ? 0.5 : Number(idle[1]);
    if (!Number.isFinite(maxLoad) || maxLoad <= 0 || maxLoad > 1) throw invalid(text);
    return { kind: 'idle', maxLoad };
  }
  const [from, to, ...rest] = value.replace(/^window:/, '').split('-');
  const start = TIME.exec(from ?? '');
  const end = TIME.exec(to ?? '');
  if (!start || !end || rest.length > 0) throw invalid(text);
  const startMinute = Number(start[1]) * 60 + Number(start[2]);
  const endMinute = Number(end[1]) * 60 + Number(end[2]);
  if (startMinute === endMinute) throw invalid(text, 'a window must not be empty: use always');
  return { kind: 'window', startMinute, endMinute };
}

export function formatAvailability(policy: AvailabilityPolicy): string {
  if (policy.kind === 'always') return 'always';
  if (policy.kind === 'idle') return `idle:${policy.maxLoad}`;
  const hhmm = (minute: number) =>
    `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  return `window:${hhmm(policy.startMinute)}-${hhmm(policy.endMinute)}`;
}

export function isAvailable(policy: AvailabilityPolicy, inputs: AvailabilityInputs): boolean {
  if (policy.kind === 'always') return true;
  if (policy.kind === 'idle') {
    const otherLoad = Math.max(0, inputs.load1 - inputs.ownBusyCores) / Math.max(1, inputs.cores);
    return otherLoad < policy.maxLoad;
  }
  return inWindow(policy, minuteOfDay(inputs.now));
}

/**
 * The span an offer announces (unix seconds): for a window, the current or next window
 * occurrence; otherwise from now until `horizonSeconds` ahead (idle cannot be predicted).
 */
export function availabilitySpan(
  policy: AvailabilityPolicy,
  now: Date,
  horizonSeconds: number,
): { from: bigint; until: bigint } {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (policy.kind !== 'window')
    return { from: BigInt(nowSeconds), until: BigInt(nowSeconds + horizonSeconds) };
  const minute = minuteOfDay(now);
  const length = (policy.endMinute - policy.startMinute + 1440) % 1440;
  const startOffset = inWindow(policy, minute)
    ? -((minute - policy.startMinute + 1440) % 1440)
    : (policy.startMinute - minute + 1440) % 1440;
  const midnightMinute = new Date(now);
  midnightMinute.setSeconds(0, 0);
  const start = Math.floor(midnightMinute.getTime() / 1000) + startOffset * 60;
  return { from: BigInt(Math.max(start, nowSeconds)), until: BigInt(start + length * 60) };
}

function inWindow(policy: { startMinute: number; endMinute: number }, minute: number): boolean {
  const { startMinute, endMinute } = policy;
  return startMinute < endMinute
    ? minute >= startMinute && minute < endMinute
    : minute >= startMinute || minute < endMinute;
}

function minuteOfDay(date: Date): number {
  return date.getHours() * 60 + date.getMinutes();
}

function invalid(text: string, why = 'use always, window:HH:MM-HH:MM or idle:LOAD (0 < LOAD <= 1)') {
  return new IdlegridError('INVALID_ARGUMENT', `invalid availability "${text}": ${why}`);
}
