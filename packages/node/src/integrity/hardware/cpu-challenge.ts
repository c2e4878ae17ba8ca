import { randomBytes, randomInt } from 'node:crypto';
import { canonicalJson } from '@idlegrid/protocol';
import { type Hex, keccak256, toBytes, toHex } from 'viem';
import { z } from 'zod';
import { type LaneParams, runLane } from './cpu-lanes.js';

/** The most lanes one challenge asks for (a claim above it is checked at this many). */
const MAX_LANES = 512;

/**
 * A CPU proof-of-hardware challenge: run `lanes` lanes of memory-hard work at once, one for
 * each claimed core. A machine with the cores answers in about one lane's time; one with a
 * K-th of them needs K lanes' time, and misses the deadline.
 */
export const cpuChallengeSchema = z.strictObject({
  kind: z.literal('cpu'),
  challengeId: z.string().regex(/^0x[0-9a-f]{64}$/),
  seed: z.string().regex(/^0x[0-9a-f]{64}$/),
  lanes: z.number().int().min(1).max(MAX_LANES),
  memoryKiB: z
    .number()
    .int()
    .min(64)
    .max(64 * 1024),
  rounds: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 256),
});
export type CpuChallenge = z.output<typeof cpuChallengeSchema>;

export const cpuAnswerSchema = z.strictObject({ digests: z.array(z.string().regex(/^0x[0-9a-f]{64}$/)) });
export type CpuAnswer = z.output<typeof cpuAnswerSchema>;

/** One lane's work: an 8 MiB scratchpad read back at a quarter of its words, ~0.2 s on a 2024 core. */
export const DEFAULT_LANE: LaneParams = { memoryKiB: 8 * 1024, rounds: 8 * 1024 * 64 };

/** A fresh challenge for a claim of `cores`: its seed is unknown to the provider until it arrives. */
export function cpuChallengeFor(cores: number, lane: LaneParams = DEFAULT_LANE): CpuChallenge {
  return {
    kind: 'cpu',
    challengeId: toHex(randomBytes(32)),
    seed: toHex(randomBytes(32)),
    lanes: Math.min(MAX_LANES, Math.max(1, Math.floor(cores))),
    memoryKiB: lane.memoryKiB,
    rounds: lane.rounds,
  };
}

/** What the provider signs (in a HardwareAnswer) and a slash shows: the keccak of the answer's canonical JSON. */
export function answerHash(challengeId: string, answer: object): Hex {
  return keccak256(toBytes(canonicalJson({ challengeId, answer })));
}

/**
 * A lane the coordinator runs itself, chosen after the answer arrived, so that the provider
 * cannot know which of its digests is checked: a provider that skips one lane in L is caught with
 * probability 1/L at each challenge, and the lane's run time is the reference the deadline uses.
 */
export async function checkCpuAnswer(
  challenge: CpuChallenge,
  answer: CpuAnswer,
): Promise<{ correct: boolean; checkedLane: number; referenceLaneMs: number }> {
  const checkedLane = randomInt(challenge.lanes);
  const started = performance.now();
  const digest = await runLane(challenge.seed, checkedLane, challenge);
  const referenceLaneMs = performance.now() - started;
  const correct = answer.digests.length === challenge.lanes && answer.digests[checkedLane] === digest;
  return { correct, checkedLane, referenceLaneMs };
}
