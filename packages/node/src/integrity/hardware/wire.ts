import { z } from 'zod';
import { cpuAnswerSchema, cpuChallengeSchema } from './cpu-challenge.js';
import { gpuAnswerSchema, gpuChallengeSchema } from './gpu-challenge.js';

/**
 * Proof of hardware on the job protocol (`/idlegrid/jobs/1`):
 *
 *   coordinator -> provider  `hardware.challenge`  request  { challenge }  -> HardwareReply
 *
 * The coordinator times the request itself; the provider's signed HardwareAnswer names the
 * keccak of its answer (`answerHash`), so that a slash can show what it answered.
 */
export const HARDWARE_CHALLENGE = 'hardware.challenge';

export const hardwareChallengeSchema = z.object({
  challenge: z.discriminatedUnion('kind', [cpuChallengeSchema, gpuChallengeSchema]),
});

const signed = z.object({
  kind: z.string(),
  message: z.record(z.string(), z.unknown()),
  signature: z.string(),
});

/** The answer's shape is checked against its challenge's kind by the coordinator. */
export const hardwareReplySchema = z.object({ answer: z.union([cpuAnswerSchema, gpuAnswerSchema]), signed });
export type HardwareReply = z.output<typeof hardwareReplySchema>;
