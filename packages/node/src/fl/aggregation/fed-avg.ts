import { checkSameLength, type Update } from '../vector-math.js';

/** FedAvg (McMahan et al. 2017): the mean of the updates weighted by each client's example count. */
export function weightedMean(updates: readonly { update: Update; examples: number }[]): Update {
  const first = updates[0];
  if (!first) throw new RangeError('no updates to aggregate');
  const total = updates.reduce((sum, { examples }) => sum + examples, 0);
  if (!(total > 0)) throw new RangeError('the updates hold no examples');
  const out = new Float32Array(first.update.length);
  for (const { update, examples } of updates) {
    checkSameLength(first.update, update);
    const weight = examples / total;
    for (let i = 0; i < out.length; i++) out[i]! += update[i]! * weight;
  }
  return out;
}

/**
 * The server side of FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization"): the round's
 * average update is a pseudo-gradient, and the global model moves by Adam on it. Its moments are
 * state the coordinator persists with the run.
 */
export class ServerAdam {
  constructor(
    readonly options: { learningRate: number; beta1: number; beta2: number; tau: number },
    public m?: Float32Array,
    public v?: Float32Array,
  ) {}

  /** The step to add to the global weights for this round's average update. */
  step(average: Update): Update {
    const { learningRate, beta1, beta2, tau } = this.options;
    this.m ??= new Float32Array(average.length);
    // v starts at τ², as in the paper, so the first steps are not huge.
    this.v ??= new Float32Array(average.length).fill(tau * tau);
    const out = new Float32Array(average.length);
    for (let i = 0; i < average.length; i++) {
      const g = average[i]!;
      this.m[i] = beta1 * this.m[i]! + (1 - beta1) * g;
      this.v[i] = beta2 * this.v[i]! + (1 - beta2) * g * g;
      out[i] = (learningRate * this.m[i]!) / (Math.sqrt(this.v[i]!) + tau);
    }
    return out;
  }
}
