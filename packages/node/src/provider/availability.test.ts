import { describe, expect, it } from 'vitest';
import {
  type AvailabilityPolicy,
  availabilitySpan,
  formatAvailability,
  isAvailable,
  parseAvailability,
} from './availability.js';

/** A local-time date on an arbitrary day. */
const at = (hours: number, minutes = 0) => new Date(2025, 4, 14, hours, minutes, 30);
const quiet = { load1: 0, cores: 4, ownBusyCores: 0 };
const seconds = (date: Date) => BigInt(Math.floor(date.getTime() / 1000));

describe('availability policy', () => {
  it('parses and formats the three policies', () => {
    expect(parseAvailability('always')).toEqual({ kind: 'always' });
    expect(parseAvailability('idle:0.25')).toEqual({ kind: 'idle', maxLoad: 0.25 });
    expect(parseAvailability('window:22:00-07:30')).toEqual({
      kind: 'window',
      startMinute: 22 * 60,
      endMinute: 7 * 60 + 30,
    });
    for (const text of ['always', 'idle:0.5', 'window:09:05-17:00'])
      expect(formatAvailability(parseAvailability(text))).toBe(text);
    for (const bad of ['sometimes', 'idle:2', 'idle:x', 'window:25:00-07:00', 'window:10:00-10:00', '9-5'])
      expect(() => parseAvailability(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('decides a window that crosses midnight by local time', () => {
    const night = parseAvailability('window:22:00-07:00');
    const decide = (date: Date) => isAvailable(night, { ...quiet, now: date });
    expect([at(21, 59), at(22), at(23, 59), at(0), at(6, 59), at(7), at(12)].map(decide)).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    const day = parseAvailability('window:09:00-17:00');
    expect([at(8, 59), at(9), at(16, 59), at(17)].map((now) => isAvailable(day, { ...quiet, now }))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('counts only other load against the idle threshold', () => {
    const idle: AvailabilityPolicy = { kind: 'idle', maxLoad: 0.5 };
    const now = at(12);
    expect(isAvailable(idle, { now, load1: 1, cores: 4, ownBusyCores: 0 })).toBe(true);
    expect(isAvailable(idle, { now, load1: 2, cores: 4, ownBusyCores: 0 })).toBe(false);
    // Two of those cores are our own job: the rest of the machine is quiet.
    expect(isAvailable(idle, { now, load1: 3, cores: 4, ownBusyCores: 2 })).toBe(true);
    expect(isAvailable({ kind: 'always' }, { now, load1: 64, cores: 1, ownBusyCores: 0 })).toBe(true);
  });

  it('announces the current or next window occurrence in an offer', () => {
    const night = parseAvailability('window:22:00-07:00');
    const inside = at(23, 15);
    expect(availabilitySpan(night, inside, 600)).toEqual({
      from: seconds(inside),
      until: seconds(new Date(2025, 4, 15, 7, 0, 0)),
    });
    expect(availabilitySpan(night, at(12), 600)).toEqual({
      from: seconds(new Date(2025, 4, 14, 22, 0, 0)),
      until: seconds(new Date(2025, 4, 15, 7, 0, 0)),
    });
    const now = at(12);
    expect(availabilitySpan({ kind: 'always' }, now, 600)).toEqual({
      from: seconds(now),
      until: seconds(now) + 600n,
    });
  });
});
