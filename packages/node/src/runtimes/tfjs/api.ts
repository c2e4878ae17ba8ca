import { z } from 'zod';
import { checkTensorSize, dimsSchema } from '../tensor-json.js';

/**
 * What a `tfjs` job asks for and what it answers, as JSON: the request is the job's first input
 * (the runtime reads it as stdin), the answer is its stdout. Two kinds:
 * - `predict`: input tensors in, the model's output tensors out;
 * - `train`: examples in, the loss per epoch and the trained model (a bundle, base64) out. The
 *   prepared model itself never changes: each train request trains a fresh copy of it.
 *
 * Tensors travel as `{ dims, data }`: the shape, and the elements in row-major order. Element
 * types come from the model (float32, or int32 for inputs such as token ids).
 */

/** Most input tensors in one request. */
export const MAX_INPUTS = 64;
/** Most dimensions of one tensor. */
export const MAX_RANK = 8;
/** Most elements of all tensors of one request together (2^24: 64 MiB as float32, about 100 MB of JSON). */
export const MAX_ELEMENTS = 1 << 24;
/** Most epochs of one train request. */
export const MAX_EPOCHS = 10_000;

const tensor = z
  .strictObject({
    dims: dimsSchema(MAX_RANK),
    data: z.array(z.number()).max(MAX_ELEMENTS),
  })
  .superRefine((value, ctx) => {
    checkTensorSize(value, ctx);
  });

const name = z.string().min(1).max(256);

const elementsOf = (tensors: readonly { data: readonly number[] }[]) =>
  tensors.reduce((sum, t) => sum + t.data.length, 0);

export const predictRequestSchema = z
  .strictObject({
    kind: z.literal('predict'),
    /** One tensor for a model with one input, or tensors by input name. */
    inputs: z.union([
      tensor,
      z
        .record(name, tensor)
        .refine((inputs) => Object.keys(inputs).length >= 1, 'no inputs')
        .refine((inputs) => Object.keys(inputs).length <= MAX_INPUTS, `at most ${MAX_INPUTS} inputs`),
    ]),
  })
  .refine(
    ({ inputs }) =>
      elementsOf(
        Array.isArray(inputs.dims)
          ? [inputs as InputTensor]
          : Object.values(inputs as Record<string, InputTensor>),
      ) <= MAX_ELEMENTS,
    { message: `the inputs hold more than ${MAX_ELEMENTS} elements together`, path: ['inputs'] },
  );

/** Losses a train request can name (TF.js's names); default: the loss the bundle was compiled with. */
export const LOSSES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'hinge',
  'huberLoss',
] as const;
export type LossName = (typeof LOSSES)[number];

export const OPTIMIZERS = ['sgd', 'adam', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const trainRequestSchema = z
  .strictObject({
    kind: z.literal('train'),
    /** The examples: the first dimension counts them. One-input, one-output models only. */
    x: tensor,
    /** The targets, as many as the examples. */
    y: tensor,
    epochs: z.number().int().min(1).max(MAX_EPOCHS),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(2 ** 20),
    learningRate: z.number().positive().max(1e6),
    /** Default `sgd`: plain gradient steps, as federated averaging expects. */
    optimizer: z.enum(OPTIMIZERS).default('sgd'),
    loss: z.enum(LOSSES).optional(),
    /**
     * Shuffles the examples before each epoch (default false). Shuffling uses Math.random, so a
     * shuffled run cannot be repeated exactly; unshuffled runs give the same numbers on the same backend.
     */
    shuffle: z.boolean().default(false),
  })
  .superRefine((request, ctx) => {
    if (elementsOf([request.x, request.y]) > MAX_ELEMENTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['x'],
        message: `x and y hold more than ${MAX_ELEMENTS} elements`,
      });
    }
    for (const key of ['x', 'y'] as const) {
      if (request[key].dims.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [key, 'dims'],
          message: `${key} needs a first dimension of examples`,
        });
      }
    }
    const [xCount, yCount] = [request.x.dims[0], request.y.dims[0]];
    if (xCount !== undefined && yCount !== undefined && xCount !== yCount) {
      ctx.addIssue({
        code: 'custom',
        path: ['y', 'dims', 0],
        message: `x holds ${xCount} examples, y ${yCount}`,
      });
    }
    if (xCount === 0) ctx.addIssue({ code: 'custom', path: ['x', 'dims', 0], message: 'no examples' });
  });

export const tfjsRequestSchema = z.discriminatedUnion('kind', [predictRequestSchema, trainRequestSchema]);

export type PredictRequest = z.output<typeof predictRequestSchema>;
export type TrainRequest = z.output<typeof trainRequestSchema>;
export type TfjsRequest = z.output<typeof tfjsRequestSchema>;
export type TfjsRequestInput = z.input<typeof tfjsRequestSchema>;
export type InputTensor = z.output<typeof tensor>;

/** An output tensor. Non-finite values (NaN, ±Infinity) have no JSON number and are written as null. */
export interface OutputTensor {
  /** The model's name for this output. */
  name: string;
  dims: number[];
  data: (number | null)[];
}

export interface PredictAnswer {
  kind: 'predict';
  /** In the model's output order. */
  outputs: OutputTensor[];
}

export interface TrainAnswer {
  kind: 'train';
  /** The mean training loss of each epoch (null where it is not finite: the training diverged). */
  loss: (number | null)[];
  /** The trained model: an `idlegrid-tfjs/1` bundle, base64. */
  model: string;
}

export type TfjsAnswer = PredictAnswer | TrainAnswer;
