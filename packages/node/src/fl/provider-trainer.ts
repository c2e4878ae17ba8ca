import {
  type FlRun,
  type FlSettings,
  flSettingsSchema,
  IdlegridError,
  type NetworkDomain,
  signMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { LocalAccount } from 'viem';
import { keccak256 } from 'viem';
import type { DatasetRegistry } from '../datasets/dataset-registry.js';
import type { PoisonMode } from '../provider/adversary.js';
import { loadBundle } from '../runtimes/tfjs/model-bundle.js';
import type { TfjsModule } from '../runtimes/tfjs/tfjs-loader.js';
import { encodeUpdate } from './bundle-weights.js';
import { type DatasetArrays, oneHot, readDatasetArrays } from './dataset-arrays.js';
import { trainLocally } from './local-training/train-locally.js';
import { finishedUpdate, localTrainingOptions } from './participant-update.js';
import { poisonLabels } from './poison.js';
import type { FlTrainAnswer, FlTrainRequest } from './wire.js';

export interface FlTrainerDeps {
  account: LocalAccount;
  domain: NetworkDomain;
  datasets: DatasetRegistry;
  tf: () => Promise<TfjsModule>;
  nextNonce: () => bigint;
  now: () => Date;
  /** A poisoning adversary (tests and benchmarks only). */
  poison?: PoisonMode;
}

/**
 * A provider's side of a federated round: it checks the client's signed run, trains the global
 * model on its own copy of the dataset (whose records never leave this process), and answers
 * the clipped weight delta with a signed receipt of it.
 */
export class FlTrainer {
  /** Datasets read once per provider process: rounds come every few seconds. */
  readonly #arrays = new Map<string, Promise<DatasetArrays>>();

  constructor(private readonly deps: FlTrainerDeps) {}

  /** Trains this round on the local dataset: the clipped (or, for an adversary, poisoned) delta. */
  async localUpdate(request: FlTrainRequest, signal?: AbortSignal): Promise<LocalUpdate> {
    const { deps } = this;
    const { message: run } = await verifySignedMessage(deps.domain, request.run, { kind: 'FlRun' });
    const settings = settingsOf(run);
    const dataset = deps.datasets.list().find((d) => d.name === run.dataset);
    if (!dataset)
      throw new IdlegridError('DATASET_NOT_FOUND', `no dataset named ${run.dataset} here`, {
        details: { name: run.dataset },
      });
    // Keyed by when it was added too: `data add` again over the same directory is read anew.
    const key = `${dataset.path}\n${dataset.addedAt}`;
    let arrays = this.#arrays.get(key);
    if (!arrays) {
      arrays = readDatasetArrays(dataset.path, dataset);
      this.#arrays.set(key, arrays);
      arrays.catch(() => this.#arrays.delete(key));
    }
    const data = await arrays;
    const tf = await deps.tf();
    const loaded = await loadBundle(Buffer.from(request.model, 'base64'));
    if (loaded.format !== 'layers-model')
      throw new IdlegridError('TFJS_MODEL_INVALID', 'federated training needs a layers model');
    const { model } = loaded;
    const labels = poisonLabels(deps.poison, data.labelIndex, data.labels.length);
    const x = tf.tensor(data.x, [data.count, ...data.shape]);
    const y = tf.tensor(oneHot({ labelIndex: labels, labels: data.labels }), [
      data.count,
      data.labels.length,
    ]);
    let trained: Awaited<ReturnType<typeof trainLocally>>;
    try {
      trained = await trainLocally(
        tf,
        model,
        { x, y },
        {
          ...localTrainingOptions(settings, request.seed),
          ...(signal ? { signal } : {}),
        },
      );
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
    const update = finishedUpdate(settings, trained.delta, deps.poison);
    return { run, settings, update, examples: trained.examples, loss: trained.losses.at(-1) ?? null };
  }

  /** A plain round's answer: the update in the clear, with the signed receipt of its bytes. */
  async train(request: FlTrainRequest, signal?: AbortSignal): Promise<FlTrainAnswer> {
    const local = await this.localUpdate(request, signal);
    const bytes = new Uint8Array(local.update.buffer, local.update.byteOffset, local.update.byteLength);
    return {
      update: encodeUpdate(local.update),
      signed: await this.receipt(local.run, request.round, bytes, local.examples),
      loss: local.loss,
    };
  }

  /** The provider's signed FlUpdate over an answer's bytes (the update, or its masked form). */
  async receipt(run: FlRun, round: number, bytes: Uint8Array, examples: number) {
    const { deps } = this;
    const signed = await signMessage(deps.account, deps.domain, 'FlUpdate', {
      provider: deps.account.address,
      runId: run.runId,
      round,
      updateHash: keccak256(bytes),
      examples,
      nonce: deps.nextNonce(),
      expiry: BigInt(Math.floor(deps.now().getTime() / 1000) + 86_400),
    });
    return signed as unknown as FlTrainAnswer['signed'];
  }
}

export interface LocalUpdate {
  run: FlRun;
  settings: FlSettings;
  update: Float32Array;
  examples: number;
  loss: number | null;
}

/** The keccak-256 an FlUpdate signs: over the update's float32 bytes, little-endian. */
export function updateHash(update: Float32Array): `0x${string}` {
  return keccak256(new Uint8Array(update.buffer, update.byteOffset, update.byteLength));
}

/** The run's settings, parsed and checked (FL_RUN_INVALID). */
export function settingsOf(run: Pick<FlRun, 'settings'>): FlSettings {
  let json: unknown;
  try {
    json = JSON.parse(run.settings);
  } catch {
    throw new IdlegridError('FL_RUN_INVALID', 'the run settings are not JSON');
  }
  const parsed = flSettingsSchema.safeParse(json);
  if (!parsed.success)
    throw new IdlegridError(
      'FL_RUN_INVALID',
      `run settings: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      {
        details: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
      },
    );
  return parsed.data;
}
