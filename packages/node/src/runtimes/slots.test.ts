import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Slots', () => {
  it('runs at most `size` at once, the rest in order of arrival', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string) =>
      slots.use(undefined, async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        order.push(name);
        running--;
      });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(work));
    expect(most).toBe(2);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('lets a waiter whose signal aborts leave the queue, and refuses one already aborted', async () => {
    const slots = new Slots(1);
    await slots.acquire(undefined);
    const controller = new AbortController();
    const leaving = slots.acquire(controller.signal);
    const staying = slots.acquire(undefined);
    controller.abort(new Error('gave up'));
    await expect(leaving).rejects.toThrow('gave up');
    slots.release();
    await staying; // the slot went to the waiter that stayed, not to the one that left
    await expect(slots.acquire(AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
  });

  it('needs a positive size', () => {
    expect(() => new Slots(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
