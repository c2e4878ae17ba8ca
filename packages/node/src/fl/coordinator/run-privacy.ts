import type { FlSettings } from '@idlegrid/protocol';
import { PrivacyAccountant, type SampledGaussianSteps } from '../privacy/rdp-accountant.js';

/** The privacy spent by a run so far, kept in its server state between rounds. */
export interface PrivacyState {
  /** Example level: one accountant per data owner (provider); client level: one, `run`. */
  accountants: Record<string, unknown>;
}

/**
 * The Rényi-DP accounting of a differentially private run (ε at the run's δ):
 * - `example` level: each provider's DP-SGD over its own records is a sampled Gaussian mechanism
 *   with rate B/n and E·⌈n/B⌉ steps a round (or the run's local steps); the run reports the
 *   worst-off data owner's ε. Distributed noise (DP-FedSGD) counts the same: each step's sum
 *   carries the whole noise;
 * - `client` level: each round samples K of the N providers that hold the dataset and noises
 *   the sum of their clipped updates: one step at rate K/N.
 */
export class RunPrivacy {
  readonly #accountants = new Map<string, PrivacyAccountant>();

  constructor(
    private readonly settings: FlSettings & { dp: NonNullable<FlSettings['dp']> },
    state: PrivacyState | undefined,
  ) {
    for (const [key, json] of Object.entries(state?.accountants ?? {}))
      this.#accountants.set(key, PrivacyAccountant.fromJSON(json));
  }

  /** ε after a round with these participants (their record counts), without spending it. */
  epsilonAfter(participants: readonly { provider: string; examples: number }[], candidates: number): number {
    let worst = this.epsilon();
    for (const [key, steps] of this.#spends(participants, candidates))
      worst = Math.max(worst, this.#accountant(key).epsilonAfter(steps));
    return worst;
  }

  /** Spends a closed round; the run's ε after it. */
  spend(participants: readonly { provider: string; examples: number }[], candidates: number): number {
    for (const [key, steps] of this.#spends(participants, candidates)) this.#accountant(key).spend(steps);
    return this.epsilon();
  }

  epsilon(): number {
    return Math.max(0, ...[...this.#accountants.values()].map((accountant) => accountant.epsilon()));
  }

  toState(): PrivacyState {
    return { accountants: Object.fromEntries([...this.#accountants].map(([key, a]) => [key, a.toJSON()])) };
  }

  #spends(
    participants: readonly { provider: string; examples: number }[],
    candidates: number,
  ): [string, SampledGaussianSteps][] {
    const { dp, batchSize, localEpochs, localSteps, clientsPerRound } = this.settings;
    if (dp.level === 'client')
      return [
        [
          'run',
          {
            sampleRate: Math.min(1, clientsPerRound / Math.max(1, candidates)),
            noiseMultiplier: dp.noiseMultiplier,
            steps: 1,
          },
        ],
      ];
    return participants.map(({ provider, examples }) => [
      provider.toLowerCase(),
      {
        sampleRate: Math.min(1, batchSize / Math.max(1, examples)),
        noiseMultiplier: dp.noiseMultiplier,
        steps: localSteps ?? localEpochs * Math.ceil(examples / batchSize),
      },
    ]);
  }

  #accountant(key: string): PrivacyAccountant {
    let accountant = this.#accountants.get(key);
    if (!accountant) {
      accountant = new PrivacyAccountant({ delta: this.settings.dp.delta });
      this.#accountants.set(key, accountant);
    }
    return accountant;
  }
}
