import type { FlSettings } from '@idlegrid/protocol';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { PoisonMode } from '../provider/adversary.js';
import type { TfjsModule } from '../runtimes/tfjs/tfjs-loader.js';
import { aggregateRound, aggregateSum, type StrategyState, strategyOf } from './aggregation/strategy.js';
import { RunPrivacy } from './coordinator/run-privacy.js';
import { secAggConfig } from './coordinator/secure-round.js';
import { type DatasetArrays, oneHot } from './dataset-arrays.js';
import { evaluate, flattenWeights, setFlatWeights, trainLocally } from './local-training/train-locally.js';
import { finishedUpdate, localTrainingOptions } from './participant-update.js';
import { poisonLabels } from './poison.js';
import { centrallyNoisedSum, secAggRange } from './round-noise.js';
import { simulateRound } from './secure-aggregation/index.js';
import { seededRandom, shuffle } from './seeded-random.js';
import type { Update } from './vector-math.js';

export interface SimulatedClient {
  data: DatasetArrays;
  /** A poisoning client (benchmarks of robust aggregation). */
  poison?: PoisonMode;
}

export interface SimulatedRoundStats {
  round: number;
  accuracy: number;
  loss: number;
  epsilon: number | null;
  /** Local training of every sampled client, one after the other, ms. */
  trainMs: number;
  /** Aggregation (and, with secure aggregation, its four stages for every client), ms. */
  aggregateMs: number;
}

/**
 * A federated run in one process (Flower's simulation, here): the same local training, clipping,
 * DP noise, secure aggregation and strategies as on the network, without the network, so that
 * strategies and privacy settings can be compared on many clients and seeds.
 */
export async function simulateFederatedRun(args: {
  tf: TfjsModule;
  model: LayersModel;
  clients: readonly SimulatedClient[];
  test: DatasetArrays;
  settings: FlSettings;
  seed?: number;
}): Promise<SimulatedRoundStats[]> {
  const { tf, model, settings } = args;
  const random = seededRandom(args.seed ?? 1);
  const identities = args.clients.map(() => generatePrivateKey());
  const tensors = args.clients.map(({ data, poison }) => tensorsOf(tf, data, poison));
  const test = tensorsOf(tf, args.test);
  const state: StrategyState = {};
  const privacy = settings.dp ? new RunPrivacy({ ...settings, dp: settings.dp }, undefined) : undefined;
  let global = flattenWeights(model);
  const history: SimulatedRoundStats[] = [];
  try {
    for (let round = 0; round < settings.rounds; round++) {
      const sample = shuffle([...args.clients.keys()], random).slice(0, settings.clientsPerRound);
      const trainStart = performance.now();
      const updates: { client: string; update: Update; examples: number }[] = [];
      for (const index of sample) {
        setFlatWeights(tf, model, global);
        const trained = await trainLocally(
          tf,
          model,
          tensors[index]!,
          localTrainingOptions(settings, round * 1_000 + index),
        );
        updates.push({
          client: privateKeyToAccount(identities[index]!).address.toLowerCase(),
          update: finishedUpdate(settings, trained.delta, args.clients[index]!.poison),
          examples: trained.examples,
        });
      }
      const trainMs = performance.now() - trainStart;
      const aggregateStart = performance.now();
      global = await aggregate(
        settings,
        state,
        global,
        updates,
        sample.map((i) => identities[i]!),
      );
      const aggregateMs = performance.now() - aggregateStart;
      const epsilon =
        privacy?.spend(
          sample.map((index) => ({ provider: String(index), examples: args.clients[index]!.data.count })),
          args.clients.length,
        ) ?? null;
      setFlatWeights(tf, model, global);
      const scored = await evaluate(tf, model, test);
      history.push({ round, accuracy: scored.accuracy, loss: scored.loss, epsilon, trainMs, aggregateMs });
    }
  } finally {
    tf.dispose([...tensors.flatMap((t) => [t.x, t.y]), test.x, test.y]);
  }
  return history;
}

async function aggregate(
  settings: FlSettings,
  state: StrategyState,
  global: Update,
  updates: { client: string; update: Update; examples: number }[],
  keys: readonly `0x${string}`[],
): Promise<Update> {
  const strategy = strategyOf(settings);

  if (settings.secureAggregation) {
    const participants = updates.map((u) => u.client).sort();
    const sorted = [...updates].sort((a, b) => a.client.localeCompare(b.client));
    const ordered = sorted.map((u) => keys[updates.indexOf(u)]!);
    const { result } = await simulateRound({
      config: secAggConfig({
        roundId: `simulation/${Math.random()}`,
        participants,
        vectorLength: global.length,
        range: secAggRange(settings),
      }),
      privateKeys: ordered,
      updates: new Map(sorted.map((u) => [u.client, u.update])),
    });
    return aggregateSum(strategy, state, global, result.sum, result.contributors.length);
  }
  if (settings.dp?.level === 'client')
    return aggregateSum(strategy, state, global, centrallyNoisedSum(updates, settings), updates.length);
  return aggregateRound(strategy, state, global, updates).global;
}

function tensorsOf(tf: TfjsModule, data: DatasetArrays, poison?: PoisonMode): { x: Tensor; y: Tensor } {
  const labels = poisonLabels(poison, data.labelIndex, data.labels.length);
  return {
    x: tf.tensor(data.x, [data.count, ...data.shape]),
    y: tf.tensor(oneHot({ labelIndex: labels, labels: data.labels }), [data.count, data.labels.length]),
  };
}

/** The records of several datasets as one (central training on the union of the shards). */
export function unionOf(parts: readonly DatasetArrays[]): DatasetArrays {
  const first = parts[0]!;
  const count = parts.reduce((n, p) => n + p.count, 0);
  const features = first.x.length / Math.max(1, first.count);
  const x = new Float32Array(count * features);
  const labelIndex = new Int32Array(count);
  let at = 0;
  for (const part of parts) {
    x.set(part.x, at * features);
    labelIndex.set(part.labelIndex, at);
    at += part.count;
  }
  return { x, labelIndex, count, shape: first.shape, labels: first.labels };
}

/** The chosen records of a dataset. */
export function subsetOf(data: DatasetArrays, indices: readonly number[]): DatasetArrays {
  const features = data.x.length / Math.max(1, data.count);
  const x = new Float32Array(indices.length * features);
  indices.forEach((index, row) => {
    x.set(data.x.subarray(index * features, (index + 1) * features), row * features);
  });
  return {
    x,
    labelIndex: Int32Array.from(indices, (index) => data.labelIndex[index]!),
    count: indices.length,
    shape: data.shape,
    labels: data.labels,
  };
}
