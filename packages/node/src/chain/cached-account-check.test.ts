import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { cachedAccountCheck } from './coordinator-registry.js';

const account = '0x00000000000000000000000000000000000000aa' as Address;

describe('cachedAccountCheck', () => {
  it('shares a check in flight and remembers its answer', async () => {
    const answers: ((ok: boolean) => void)[] = [];
    const check = cachedAccountCheck(
      () =>
        new Promise<boolean>((resolve) => {
          answers.push(resolve);
        }),
    );
    const first = check(account);
    const second = check(account.toUpperCase().replace('0X', '0x') as Address);
    for (const answer of answers) answer(true);
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    await expect(check(account)).resolves.toBe(true);
    expect(answers).toHaveLength(1);
  });

  it('asks again after a failed check, and after the answer ages', async () => {
    let calls = 0;
    let clock = 0;
    const realNow = Date.now;
    Date.now = () => clock;
    try {
      const check = cachedAccountCheck(async () => {
        calls++;
        if (calls === 1) throw new Error('chain unreachable');
        return false;
      }, 1_000);
      await expect(check(account)).rejects.toThrow('chain unreachable');
      await expect(check(account)).resolves.toBe(false);
      clock = 999;
      await expect(check(account)).resolves.toBe(false);
      expect(calls).toBe(2);
      clock = 1_001;
      await check(account);
      expect(calls).toBe(3);
    } finally {
      Date.now = realNow;
    }
  });
});
