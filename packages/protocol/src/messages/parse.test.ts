import { describe, expect, it } from 'vitest';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { sampleMessages } from '../testing/sample-messages.js';
import { parseMessage } from './parse.js';

const author = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const voucher = sampleMessages(author, 100n).Voucher;

function issuesOf(input: unknown): string[] {
  try {
    parseMessage('Voucher', input);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(IdlegridError);
    return (error as IdlegridError).details.issues as string[];
  }
}

describe('parseMessage', () => {
  it('normalizes addresses to checksum form and wire strings to bigints', () => {
    const parsed = parseMessage('Voucher', {
      ...voucher,
      cumulativeAmount: '1000000000000000000000',
      nonce: 3,
    });
    expect(parsed.client).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    expect(parsed.cumulativeAmount).toBe(10n ** 21n);
    expect(parsed.nonce).toBe(3n);
  });

  it('rejects bad addresses, overflows, negative and unknown fields, naming each', () => {
    const issues = issuesOf({
      ...voucher,
      client: '0x1234',
      nonce: 2n ** 64n,
      cumulativeAmount: -1n,
      bonus: 1,
    });
    expect(issues.some((issue) => issue.startsWith('client'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('nonce'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('cumulativeAmount'))).toBe(true);
    expect(issues.some((issue) => issue.includes('bonus'))).toBe(true);
  });

  it('rejects missing fields and unknown kinds', () => {
    expect(issuesOf({ client: author })).toContain(
      'provider: Invalid input: expected string, received undefined',
    );
    expect(() => parseMessage('Nope' as never, {})).toThrow(/unknown message kind/);
  });
});
