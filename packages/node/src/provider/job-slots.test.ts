import { describe, expect, it } from 'vitest';
import { JobSlots } from './job-slots.js';

describe('JobSlots', () => {
  it('takes a job only while its cores and memory fit beside the others', () => {
    const slots = new JobSlots({ cpuCores: 4, memoryMb: 1024 });
    slots.take('0xAA', 2, 512);
    slots.take('0xbb', 2, 256);
    expect(slots.busyCores()).toBe(4);
    expect(() => slots.take('0xcc', 1, 16)).toThrow(expect.objectContaining({ code: 'PROVIDER_BUSY' }));
    slots.release('0xaa');
    expect(() => slots.take('0xcc', 1, 800)).toThrow(expect.objectContaining({ code: 'PROVIDER_BUSY' }));
    slots.take('0xcc', 2, 256);
    expect(slots.ids().sort()).toEqual(['0xbb', '0xcc']);
  });

  it('knows jobs by id whatever the case, and aborts them all on stop', () => {
    const slots = new JobSlots({ cpuCores: 8, memoryMb: 4096 });
    const job = slots.take('0xAbC', 1, 64);
    expect(slots.has('0xabc')).toBe(true);
    expect(slots.get('0xABC')).toBe(job);
    slots.abortAll(new Error('stopping'));
    expect(job.controller.signal.aborted).toBe(true);
    expect(slots.size).toBe(1);
  });
});
