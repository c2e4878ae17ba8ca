/** Federated learning (docs/federated.md): what the rest of the node, the CLI and tests use. */
export type { FlRunView } from './coordinator/fl-runner.js';
export { FlRunner } from './coordinator/fl-runner.js';
export { type DatasetArrays, oneHot, readDatasetArrays } from './dataset-arrays.js';
export { MNIST_LABELS, mnistDigits } from './mnist/mnist-digits.js';
export { MNIST_MLP, mnistMlpBundle } from './mnist/mnist-mlp.js';
export { evaluateBundle } from './model-evaluation.js';
export { parseSplit, partition, type Split } from './partition.js';
export { seededRandom } from './seeded-random.js';
