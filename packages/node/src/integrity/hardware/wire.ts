import { z } from 'zod';
import { cpuAnswerSchema, cpuChallengeSchema } from './cpu-challenge.js';

/**
 * Proof of hardware on the job protocol (`/idlegrid/jobs/1`):
 *
 *   coordinator -> provider  `hardware.challenge`  request  { challenge }  -> HardwareReply
 *
 * The coordinator times the request itself; the provider's signed HardwareAnswer names the
 * keccak of its answer (`answerHash`), so that a slash can show what it answered.
 */
export const HARDWARE_CHALLENGE = 'hardware.challenge';

export const hardwareChallengeSchema = z.object({ challenge: cpuChallengeSchema });

const signed = z.object({
  kind: z.string(),
  message: z.record(z.string(), z.unknown()),
  signature: z.string(),
});

export const hardwareReplySchema = z.object({ answer: cpuAnswerSchema, signed });
export type HardwareReply = z.output<typeof hardwareReplySchema>;
