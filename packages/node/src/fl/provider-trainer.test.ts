import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localAccount, networkDomain, signMessage, verifySignedMessage } from '@idlegrid/protocol';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../datasets/dataset-registry.js';
import { writeDataset } from '../datasets/dataset-writer.js';
import { saveBundle } from '../runtimes/tfjs/model-bundle.js';
import { irisModel } from '../runtimes/tfjs/testing/tiny-models.js';
import { loadTfjs } from '../runtimes/tfjs/tfjs-loader.js';
import { decodeUpdate } from './bundle-weights.js';
import type { DatasetArrays } from './dataset-arrays.js';
import { FlTrainer, updateHash } from './provider-trainer.js';
import { seededRandom } from './seeded-random.js';
import { l2Norm } from './vector-math.js';
import type { FlTrainRequest } from './wire.js';

const domain = networkDomain(31337, '0x0000000000000000000000000000000000000003');
const client = localAccount(generatePrivateKey());
const provider = localAccount(generatePrivateKey());
const RUN_ID = `0x${'cd'.repeat(32)}` as const;
let dir: string;
let datasets: DatasetRegistry;
let model: string;

/** 3 classes of 4 features, each class around its own centre. */
function clusters(count: number): DatasetArrays {
  const random = seededRandom(5);
  const x = new Float32Array(count * 4);
  const labelIndex = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labelIndex[i] = i % 3;
    for (let f = 0; f < 4; f++) x[i * 4 + f] = (f === i % 3 ? 1 : 0) + 0.1 * (random() - 0.5);
  }
  return { x, labelIndex, count, shape: [4], labels: ['a', 'b', 'c'] };
}

async function run(settings: Record<string, unknown>, signer = client) {
  return signMessage(signer, domain, 'FlRun', {
    client: signer.address,
    runId: RUN_ID,
    modelCid: 'bafkreiexample',
    dataset: 'clusters',
    settings: JSON.stringify({
      rounds: 3,
      clientsPerRound: 1,
      minClients: 1,
      localEpochs: 2,
      batchSize: 8,
      learningRate: 0.5,
      strategy: 'fedavg',
      clipNorm: 0.5,
      ...settings,
    }),
    pricePerUpdate: 1_000n,
    deadline: BigInt(Math.floor(Date.now() / 1000) + 3_600),
    nonce: 1n,
    expiry: BigInt(Math.floor(Date.now() / 1000) + 3_600),
  });
}

const trainer = (poison?: 'scale' | 'signflip') =>
  new FlTrainer({
    account: provider,
    domain,
    datasets,
    tf: async () => (await loadTfjs()).tf,
    nextNonce: () => 7n,
    now: () => new Date(),
    ...(poison ? { poison } : {}),
  });

const request = async (settings: Record<string, unknown> = {}): Promise<FlTrainRequest> => ({
  run: (await run(settings)) as unknown as FlTrainRequest['run'],
  round: 2,
  model,
  seed: 1,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-fl-trainer-'));
  await writeDataset(join(dir, 'clusters'), clusters(60));
  datasets = await DatasetRegistry.open(dir);
  await datasets.add(join(dir, 'clusters'), 'clusters');
  const { tf } = await loadTfjs();
  const iris = irisModel(tf);
  model = Buffer.from(await saveBundle(iris)).toString('base64');
  iris.dispose();
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a provider's training round", () => {
  it('trains on its own dataset and answers the clipped update with its signed receipt', async () => {
    const answer = await trainer().train(await request());
    const update = decodeUpdate(answer.update);
    expect(l2Norm(update)).toBeGreaterThan(0);
    expect(l2Norm(update)).toBeLessThanOrEqual(0.5 * (1 + 1e-5));
    const { message } = await verifySignedMessage(domain, answer.signed, { kind: 'FlUpdate' });
    expect(message).toMatchObject({ provider: provider.address, runId: RUN_ID, round: 2, examples: 60 });
    expect(message.updateHash).toBe(updateHash(update));
    expect(answer.loss).toBeGreaterThan(0);
  });

  it('refuses a run signed by someone else than its client, or a dataset it does not hold', async () => {
    const forged = { ...(await run({})), message: { ...(await run({})).message, client: provider.address } };
    await expect(trainer().train({ ...(await request()), run: forged as never })).rejects.toMatchObject({
      code: 'SIGNER_MISMATCH',
    });
    const elsewhere = await signMessage(client, domain, 'FlRun', {
      ...(await run({})).message,
      dataset: 'not-here',
    });
    await expect(trainer().train({ ...(await request()), run: elsewhere as never })).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
    });
    await expect(trainer().train(await request({ minClients: 5 }))).rejects.toMatchObject({
      code: 'FL_RUN_INVALID',
    });
  });

  it('lets a poisoner send its update above the clip (scale) or flipped within it (signflip)', async () => {
    const honest = decodeUpdate((await trainer().train(await request())).update);
    const scaled = decodeUpdate((await trainer('scale').train(await request())).update);
    expect(l2Norm(scaled)).toBeGreaterThan(10 * 0.5);
    const flipped = decodeUpdate((await trainer('signflip').train(await request())).update);
    expect(l2Norm(flipped)).toBeLessThanOrEqual(0.5 * (1 + 1e-5));
    // Opposed to the honest update: their dot product is negative.
    expect(flipped.reduce((sum, value, i) => sum + value * honest[i]!, 0)).toBeLessThan(0);
  });
});
