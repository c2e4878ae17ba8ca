import { describe, expect, it } from 'vitest';
import { checkCpuAnswer, cpuChallengeFor } from './cpu-challenge.js';
import { runLane, runLanes } from './cpu-lanes.js';

const small = { memoryKiB: 256, rounds: 4_096 };

describe('CPU challenge', () => {
  it('gives each lane of a seed one digest, different across lanes and seeds', async () => {
    const seed = `0x${'ab'.repeat(32)}`;
    const [first, second] = await runLanes(seed, 2, small);
    expect(await runLane(seed, 0, small)).toBe(first);
    expect(second).not.toBe(first);
    expect(await runLane(`0x${'cd'.repeat(32)}`, 0, small)).not.toBe(first);
    // The scratchpad's size is part of the work: a smaller one gives another digest.
    expect(await runLane(seed, 0, { ...small, memoryKiB: 128 })).not.toBe(first);
  });

  it('accepts the honest answer and catches any wrong lane, whichever it checks', async () => {
    const challenge = cpuChallengeFor(3, small);
    expect(challenge.lanes).toBe(3);
    const digests = await runLanes(challenge.seed, challenge.lanes, challenge);
    const honest = await checkCpuAnswer(challenge, { digests });
    expect(honest.correct).toBe(true);
    expect(honest.referenceLaneMs).toBeGreaterThan(0);
    // Every lane forged: whichever lane the check picks at random, it is caught.
    const forged = digests.map(
      (digest) => `0x${digest.slice(2).split('').reverse().join('')}` as `0x${string}`,
    );
    expect((await checkCpuAnswer(challenge, { digests: forged })).correct).toBe(false);
    // Too few lanes is wrong whatever lane is checked.
    expect((await checkCpuAnswer(challenge, { digests: digests.slice(0, 2) })).correct).toBe(false);
  });
});
