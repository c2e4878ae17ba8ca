import { z } from 'zod';

/** What a coordinator and a provider say to each other in a federated run (over the jobs protocol). */
export const FL_MESSAGES = {
  /** Train one round on the local dataset and answer the update. */
  train: 'fl.train',
} as const;

/** A signed message in wire form; verify it with `verifySignedMessage` before use. */
const signed = z.object({
  kind: z.string(),
  message: z.record(z.string(), z.unknown()),
  signature: z.string(),
});

export const flTrainRequestSchema = z.object({
  /** The client's signed FlRun: the provider checks the client asked, for what dataset and price. */
  run: signed,
  round: z.int().min(0),
  /** The global model as an idlegrid-tfjs/1 bundle, base64. */
  model: z.string().max(16 * 1024 * 1024),
  /** Shuffles this round's local epochs the same way on a retry. */
  seed: z.int(),
});

export const flTrainAnswerSchema = z.object({
  /** The trained weights minus the global ones, float32 little-endian, base64; clipped to the run's norm. */
  update: z.string(),
  /** The provider's signed FlUpdate over the update's hash and example count. */
  signed,
  /** The mean training loss of the last local epoch. */
  loss: z.number().nullable(),
});

export type FlTrainRequest = z.output<typeof flTrainRequestSchema>;
export type FlTrainAnswer = z.output<typeof flTrainAnswerSchema>;
