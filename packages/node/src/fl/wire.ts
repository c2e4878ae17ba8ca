import { z } from 'zod';

/** What a coordinator and a provider say to each other in a federated run (over the jobs protocol). */
export const FL_MESSAGES = {
  /** Train one round on the local dataset and answer the update. */
  train: 'fl.train',
  /** Secure aggregation, stage 0: fresh round keys, signed. */
  advertise: 'fl.secagg.advertise',
  /** Stage 1: the shares of the mask secrets, encrypted to each neighbour. */
  share: 'fl.secagg.share',
  /** Stage 2: train, then answer the update masked. */
  mask: 'fl.secagg.mask',
  /** Stage 3: reveal the shares that unmask the sum. */
  unmask: 'fl.secagg.unmask',
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

const secAggConfigSchema = z.object({
  roundId: z.string().min(1).max(256),
  participants: z.array(z.string()).min(3).max(1_000),
  threshold: z.int().min(2),
  degree: z.int().min(1),
  vectorLength: z.int().min(1),
  scale: z.number().positive(),
  range: z.number().positive(),
});

const advertSchema = z.object({
  address: z.string(),
  cPublicKey: z.string(),
  sPublicKey: z.string(),
  signature: z.string(),
});

const encryptedShareSchema = z.object({ from: z.string(), to: z.string(), ciphertext: z.string().max(512) });

export const flAdvertiseRequestSchema = z.object({
  run: signed,
  round: z.int().min(0),
  config: secAggConfigSchema,
});
export const flShareRequestSchema = z.object({
  roundId: z.string(),
  adverts: z.array(advertSchema).max(1_000),
});
export const flMaskRequestSchema = z.object({
  roundId: z.string(),
  train: flTrainRequestSchema,
  incoming: z.array(encryptedShareSchema).max(1_000),
});
export const flMaskAnswerSchema = z.object({
  /** The masked update's ring elements, little-endian uint32, base64. */
  masked: z.string(),
  signed,
  loss: z.number().nullable(),
});
export const flUnmaskRequestSchema = z.object({
  roundId: z.string(),
  survivors: z.array(z.string()).max(1_000),
  dropped: z.array(z.string()).max(1_000),
});
export const shareListSchema = z.array(encryptedShareSchema);
export const advertAnswerSchema = advertSchema;
export const unmaskAnswerSchema = z.object({
  from: z.string(),
  selfMaskShares: z.array(z.object({ of: z.string(), share: z.string() })),
  secretKeyShares: z.array(z.object({ of: z.string(), share: z.string() })),
});
export type FlMaskRequest = z.output<typeof flMaskRequestSchema>;
