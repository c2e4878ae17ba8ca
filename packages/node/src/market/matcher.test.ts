import { type JobSpec, type Offer, parseMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { type Candidate, chargeFor, matchCheapest } from './matcher.js';

const NOW = 1_800_000_000n;
const base = sampleMessages('0x0000000000000000000000000000000000000001', NOW + 600n);
const spec = (over: Partial<JobSpec> = {}): JobSpec =>
  ({
    ...parseMessage('JobSpec', base.JobSpec),
    cpuCores: 1,
    memoryMb: 128,
    maxPrice: 1_000n,
    region: '',
    ...over,
  }) as JobSpec;
let n = 0;
function candidate(over: Partial<Offer> = {}, activeJobs = 0): Candidate {
  n++;
  const provider = `0x${n.toString(16).padStart(40, '0')}` as Address;
  const offer = {
    ...parseMessage('Offer', base.Offer),
    provider,
    cpuCores: 4,
    memoryMb: 4096,
    pricePerCpuSecond: 10n,
    ...over,
  } as Offer;
  return { provider, offer, activeJobs };
}

describe('matchCheapest', () => {
  it('picks the cheapest eligible offer, ties going to the least busy', () => {
    const cheap = candidate({ pricePerCpuSecond: 5n }, 2);
    const cheapIdle = candidate({ pricePerCpuSecond: 5n }, 0);
    const dear = candidate({ pricePerCpuSecond: 9n });
    const outcome = matchCheapest(spec(), [dear, cheap, cheapIdle], NOW);
    expect(outcome).toEqual({ matched: true, candidate: cheapIdle });
  });

  it('explains which constraint excluded every offer', () => {
    const offers = [
      candidate({ runtimes: ['onnx'] }),
      candidate({ cpuCores: 1 }),
      candidate({ memoryMb: 64 }),
      candidate({ pricePerCpuSecond: 2_000n }),
      candidate({ region: 'us-east' }),
      candidate({ availableFrom: NOW + 100n, availableUntil: NOW + 200n }),
      candidate({}, 4),
    ];
    const outcome = matchCheapest(spec({ cpuCores: 2, region: 'eu-west' }), offers, NOW);
    expect(outcome).toEqual({
      matched: false,
      offers: 7,
      reasons: { runtime: 1, cores: 1, memory: 1, price: 1, region: 1, availability: 1, busy: 1 },
    });
  });

  it('skips providers excluded for this job (they failed it before)', () => {
    const only = candidate();
    expect(matchCheapest(spec(), [only], NOW, new Set([only.provider]))).toMatchObject({
      matched: false,
      reasons: { excluded: 1 },
    });
  });
});

describe('chargeFor', () => {
  it('charges CPU-seconds used, rounded up, capped at the max price', () => {
    const offer = candidate({ pricePerCpuSecond: 300n }).offer;
    expect(chargeFor(spec({ cpuCores: 2 }), offer, 1_500)).toBe(900n);
    expect(chargeFor(spec(), offer, 1)).toBe(1n);
    expect(chargeFor(spec({ maxPrice: 100n }), offer, 10_000)).toBe(100n);
  });
});
