import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../jobs/api.js';
import { JobEventBus } from './job-event-bus.js';

const job = (id: string, client: string) => ({ id, client, state: 'running' }) as unknown as JobRecord;

describe('JobEventBus', () => {
  it('brings each change to the listeners of its job, of its client, and of everything, ignoring case', () => {
    const bus = new JobEventBus();
    const seen: string[] = [];
    bus.subscribe((j) => seen.push(`all:${j.id}`));
    bus.subscribe((j) => seen.push(`job:${j.id}`), { job: '0xAA' });
    bus.subscribe((j) => seen.push(`client:${j.id}`), { client: '0xC1' });
    bus.publish(job('0xaa', '0xc2'));
    bus.publish(job('0xbb', '0xc1'));
    bus.publish(job('0xcc', '0xc3'));
    expect(seen).toEqual(['all:0xaa', 'job:0xaa', 'all:0xbb', 'client:0xbb', 'all:0xcc']);
  });

  it('stops a listener that unsubscribes, even while a change is being delivered', () => {
    const bus = new JobEventBus();
    const seen: string[] = [];
    const unsubscribers: (() => void)[] = [];
    unsubscribers.push(
      bus.subscribe(
        () => {
          seen.push('first');
          for (const unsubscribe of unsubscribers) unsubscribe();
        },
        { job: '0xaa' },
      ),
    );
    unsubscribers.push(bus.subscribe(() => seen.push('second'), { job: '0xaa' }));
    bus.publish(job('0xaa', '0xc1'));
    bus.publish(job('0xaa', '0xc1'));
    // The second was listening when the first change was published: it still gets that one.
    expect(seen).toEqual(['first', 'second']);
  });
});
