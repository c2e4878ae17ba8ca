/** Federated learning (docs/federated.md): what the rest of the node, the CLI and tests use. */

export { aggregateRound } from './aggregation/strategy.js';
export type { FlRunView } from './coordinator/fl-runner.js';
export { FlRunner } from './coordinator/fl-runner.js';
export { secAggConfig } from './coordinator/secure-round.js';
export { type DatasetArrays, oneHot, readDatasetArrays } from './dataset-arrays.js';
export { evaluate, trainLocally } from './local-training/train-locally.js';
export { MNIST_LABELS, mnistDigits } from './mnist/mnist-digits.js';
export { MNIST_MLP, mnistMlpBundle } from './mnist/mnist-mlp.js';
export { evaluateBundle } from './model-evaluation.js';
export { parseSplit, partition, type Split } from './partition.js';
export { noiseMultiplierFor } from './privacy/rdp-accountant.js';
export { encodeMaskedInput, SecAggClient, SecAggServer, simulateRound } from './secure-aggregation/index.js';
export { seededRandom } from './seeded-random.js';
export { type SimulatedClient, simulateFederatedRun, subsetOf, unionOf } from './simulation.js';
