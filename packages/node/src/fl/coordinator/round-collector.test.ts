import { describe, expect, it } from 'vitest';
import { collectUpdates } from './round-collector.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const never = new Promise<never>(() => {});

describe('when a round stops waiting for updates', () => {
  it('closes as soon as every sampled provider has answered or failed', async () => {
    const t0 = Date.now();
    const collected = await collectUpdates(
      [
        { provider: 'a', answer: after(10, 1) },
        { provider: 'b', answer: Promise.reject(new Error('refused')) },
      ],
      { minimum: 2, timeoutMs: 10_000, now: Date.now },
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect([...collected.answers.keys()]).toEqual(['a']);
    expect([...collected.failures.keys()]).toEqual(['b']);
    expect(collected.dropped).toEqual([]);
  });

  it('drops the stragglers once the minimum is in and its grace has passed', async () => {
    const collected = await collectUpdates(
      [
        { provider: 'a', answer: after(5, 1) },
        { provider: 'b', answer: after(10, 2) },
        { provider: 'slow', answer: never },
      ],
      { minimum: 2, timeoutMs: 20_000, now: Date.now },
    );
    expect([...collected.answers.keys()].sort()).toEqual(['a', 'b']);
    expect(collected.dropped).toEqual(['slow']);
  });

  it('closes at the timeout short of the minimum, and takes nothing that arrives after', async () => {
    const late = after(300, 3);
    const collected = await collectUpdates(
      [
        { provider: 'a', answer: after(5, 1) },
        { provider: 'late', answer: late },
      ],
      { minimum: 2, timeoutMs: 100, now: Date.now },
    );
    await late;
    expect([...collected.answers.keys()]).toEqual(['a']);
    expect(collected.dropped).toEqual(['late']);
  });
});
