import { IdlegridError } from '@idlegrid/protocol';
import { loadBundle } from '../runtimes/tfjs/model-bundle.js';
import { loadTfjs } from '../runtimes/tfjs/tfjs-loader.js';
import { type DatasetArrays, oneHot } from './dataset-arrays.js';
import { evaluate } from './local-training/train-locally.js';

/** A model bundle's loss and accuracy on labelled records: the client's own held-out test set. */
export async function evaluateBundle(
  bundle: Uint8Array,
  test: DatasetArrays,
): Promise<{ loss: number; accuracy: number }> {
  const { tf } = await loadTfjs();
  const loaded = await loadBundle(bundle);
  if (loaded.format !== 'layers-model')
    throw new IdlegridError('TFJS_MODEL_INVALID', 'evaluating a federated model needs a layers model');
  const x = tf.tensor(test.x, [test.count, ...test.shape]);
  const y = tf.tensor(oneHot(test), [test.count, test.labels.length]);
  try {
    return await evaluate(tf, loaded.model, { x, y });
  } finally {
    tf.dispose([x, y]);
    loaded.model.dispose();
  }
}
