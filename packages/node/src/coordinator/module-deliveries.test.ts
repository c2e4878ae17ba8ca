import { describe, expect, it } from 'vitest';
import { ModuleDeliveries } from './module-deliveries.js';

const A = '0x00000000000000000000000000000000000000aa';
const B = '0x00000000000000000000000000000000000000bb';

describe('module deliveries', () => {
  it('remembers what each provider was sent, the most recent few, until it says hello again', () => {
    const sent = new ModuleDeliveries(2);
    sent.record(A, 'm1');
    sent.record(A, 'm2');
    expect([sent.has(A, 'm1'), sent.has(A, 'm2'), sent.has(B, 'm1')]).toEqual([true, true, false]);
    sent.record(A, 'm1');
    sent.record(A, 'm3');
    expect([sent.has(A, 'm1'), sent.has(A, 'm2'), sent.has(A, 'm3')]).toEqual([true, false, true]);
    sent.forget(A);
    expect(sent.has(A, 'm1')).toBe(false);
  });
});
