import { z } from 'zod';

export const FL_STRATEGIES = ['fedavg', 'fedprox', 'fedadam', 'median', 'trimmed-mean', 'krum'] as const;
export type FlStrategy = (typeof FL_STRATEGIES)[number];

/** Robust rules need each update in the clear: not with secure aggregation. */
export const ROBUST_FL_STRATEGIES: readonly FlStrategy[] = ['median', 'trimmed-mean', 'krum'];

export const DP_LEVELS = ['example', 'client'] as const;

/**
 * How a federated run trains, signed by the client inside its FlRun message as canonical JSON
 * (`settings`): the coordinator runs exactly this, and providers train by it.
 */
export const flSettingsSchema = z
  .strictObject({
    rounds: z.int().min(1).max(1_000),
    /** Providers sampled each round. */
    clientsPerRound: z.int().min(1).max(1_000),
    /** Updates needed to close a round; the stragglers are dropped and not paid. */
    minClients: z.int().min(1).max(1_000),
    localEpochs: z.int().min(1).max(100),
    /**
     * Train this many batches a round instead of `localEpochs` epochs. One step a round is
     * FedSGD; with example-level DP under secure aggregation it makes the noise distributed.
     */
    localSteps: z.int().min(1).max(100_000).optional(),
    batchSize: z.int().min(1).max(4_096),
    learningRate: z.number().positive().max(10),
    strategy: z.enum(FL_STRATEGIES),
    /** FedProx's proximal weight; 0 for the other strategies. */
    proximalMu: z.number().min(0).max(100).default(0),
    /** FedAdam's server learning rate. */
    serverLearningRate: z.number().positive().max(10).default(0.01),
    /** Every update is clipped to this L2 norm; one above it is evidence of cheating. */
    clipNorm: z.number().positive().max(1e6),
    secureAggregation: z.boolean().default(false),
    dp: z
      .strictObject({
        level: z.enum(DP_LEVELS),
        /** The budget: the run stops before the round that would spend more. */
        epsilon: z.number().positive().max(1_000),
        delta: z.number().positive().max(0.1),
        noiseMultiplier: z.number().positive().max(100),
        /** DP-SGD's per-example gradient clip (example level): its sensitivity. */
        exampleClip: z.number().positive().max(100).default(1),
      })
      .optional(),
    /** How long a round waits for updates, seconds. */
    roundTimeoutSeconds: z.int().min(1).max(3_600).default(60),
  })
  .refine((s) => s.minClients <= s.clientsPerRound, { message: 'minClients must be at most clientsPerRound' })
  .refine((s) => !(s.secureAggregation && ROBUST_FL_STRATEGIES.includes(s.strategy)), {
    message: 'median, trimmed-mean and krum need each update: they cannot run with secure aggregation',
  })
  .refine((s) => !(s.dp?.level === 'client' && ROBUST_FL_STRATEGIES.includes(s.strategy)), {
    message: 'client-level DP noises the sum of the updates: it cannot run with median, trimmed-mean or krum',
  });

export type FlSettings = z.output<typeof flSettingsSchema>;
export type FlSettingsInput = z.input<typeof flSettingsSchema>;
