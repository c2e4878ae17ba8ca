import type { DataType, io, Optimizer, Tensor } from '@tensorflow/tfjs';
import type { TrainAnswer, TrainRequest } from './api.js';
import type { Deadline } from './deadline.js';
import { messageOf, requestInvalid, runFailed } from './errors.js';
import { loadArtifacts, saveBundle } from './model-bundle.js';
import { checkTensor, jsonValues, signatureOf } from './tensors.js';
import type { TfjsModule } from './tfjs-loader.js';

/**
 * Trains a fresh copy of the bundle's layers model on the request's examples and answers the
 * loss of each epoch and the trained model, as a bundle. The copy, its optimizer and every tensor
 * are disposed whatever happens; the deadline and signal stop the training between batches.
 */
export async function train(
  tf: TfjsModule,
  artifacts: io.ModelArtifacts,
  request: TrainRequest,
  deadline: Deadline,
): Promise<TrainAnswer> {
  if (artifacts.format === 'graph-model') {
    throw requestInvalid('a graph model cannot be trained: training needs a layers model');
  }
  const loaded = await loadArtifacts(artifacts);
  if (loaded.format !== 'layers-model') throw requestInvalid('training needs a layers model');
  const { model } = loaded;
  let optimizer: Optimizer | undefined;
  const tensors: Tensor[] = [];
  try {
    // A bundle with a training config loads compiled, with an optimizer of its own (holding a
    // tensor) that the model does not dispose: the request's optimizer replaces it.
    model.optimizer?.dispose();
    const { inputs, outputs } = signatureOf(loaded);
    if (inputs.length !== 1 || outputs.length !== 1) {
      throw requestInvalid(
        `training takes models of one input and one output; this one has ${inputs.length} and ${outputs.length}`,
      );
    }
    checkTensor(request.x, inputs[0]!, 'x for input');
    checkTensor(request.y, { ...outputs[0]!, dtype: 'float32' }, 'y for output');
    const loss = request.loss ?? (typeof model.loss === 'string' ? model.loss : undefined);
    if (loss === undefined) {
      throw requestInvalid('the model was saved without a loss: name one in the request (loss)');
    }
    optimizer = optimizerFor(tf, request);
    model.compile({ optimizer, loss });
    const x = tf.tensor(request.x.data, request.x.dims, inputs[0]!.dtype as DataType);
    tensors.push(x);
    const y = tf.tensor(request.y.data, request.y.dims, 'float32');
    tensors.push(y);
    deadline.check();
    let history: Awaited<ReturnType<typeof model.fit>>;
    try {
      history = await model.fit(x, y, {
        epochs: request.epochs,
        batchSize: request.batchSize,
        shuffle: request.shuffle,
        verbose: 0,
        callbacks: {
          onBatchEnd: async () => {
            if (deadline.passed) model.stopTraining = true;
          },
        },
      });
    } catch (cause) {
      throw runFailed(`training failed: ${messageOf(cause)}`, { cause });
    }
    deadline.check();
    const losses = (history.history.loss ?? []).map((value) =>
      typeof value === 'number' ? value : Number.NaN,
    );
    // The trained model keeps its loss and optimizer (not the optimizer's state): the next round can name neither.
    const bundle = await saveBundle(model, { trainingConfig: true });
    return {
      kind: 'train',
      loss: jsonValues(losses),
      model: Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength).toString('base64'),
    };
  } finally {
    tf.dispose(tensors);
    model.dispose();
    optimizer?.dispose();
  }
}

function optimizerFor(tf: TfjsModule, { optimizer, learningRate }: TrainRequest): Optimizer {
  switch (optimizer) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}
