import { saveBundle } from '../../runtimes/tfjs/model-bundle.js';
import type { TfjsModule } from '../../runtimes/tfjs/tfjs-loader.js';
import { MNIST_LABELS } from './mnist-digits.js';

/** The name `fl run --model mnist-mlp` knows: the built-in model below. */
export const MNIST_MLP = 'mnist-mlp';

/**
 * A small classifier for 28×28 digits (784 → 64 relu → 10 softmax, 50,890 weights), initialised
 * from a seed, as an idlegrid-tfjs/1 bundle compiled with categorical crossentropy.
 */
export async function mnistMlpBundle(tf: TfjsModule, seed = 1): Promise<Uint8Array> {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28], name: 'pixels' }),
      tf.layers.dense({
        units: 64,
        activation: 'relu',
        name: 'hidden',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: MNIST_LABELS.length,
        activation: 'softmax',
        name: 'digits',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
  try {
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return await saveBundle(model, { trainingConfig: true });
  } finally {
    model.dispose();
  }
}
