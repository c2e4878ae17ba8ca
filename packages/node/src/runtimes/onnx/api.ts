import { z } from 'zod';
import { checkTensorSize, dimsSchema } from '../tensor-json.js';

/**
 * What an `onnx` job asks for and what it answers, as JSON: the request is the job's first input
 * (the runtime reads it as stdin), the answer is its stdout. Two kinds:
 * - `tensors`: named input tensors in, the model's output tensors out (any ONNX model);
 * - `ocr`: images in, recognized text out (the built-in PP-OCRv4 models, see `ocr.ts`).
 */

/** Element types a request can feed. int64 travels as JSON numbers, so only up to ±(2^53 − 1). */
export const INPUT_TYPES = ['float32', 'int64', 'int32', 'uint8', 'bool'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

/** Most input tensors in one request. */
export const MAX_INPUTS = 64;
/** Most dimensions of one tensor. */
export const MAX_RANK = 8;
/** Most elements of all input tensors together (2^24: 64 MiB as float32, about 100 MB of JSON). */
export const MAX_INPUT_ELEMENTS = 1 << 24;
/** Most images in one OCR request. */
export const MAX_IMAGES = 16;
/** Longest base64 text of one image (12 MiB of PNG or JPEG). */
export const MAX_IMAGE_BASE64 = 16 * 1024 * 1024;
/** Most pixels of one decoded image (about 5000 × 4000). */
export const MAX_IMAGE_PIXELS = 20_000_000;

const RANGE: Record<Exclude<InputType, 'float32'>, readonly [number, number]> = {
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255],
  bool: [0, 1],
};

const inputTensor = z
  .strictObject({
    type: z.enum(INPUT_TYPES),
    dims: dimsSchema(MAX_RANK),
    data: z.array(z.number()).max(MAX_INPUT_ELEMENTS),
  })
  .superRefine((tensor, ctx) => {
    if (!checkTensorSize(tensor, ctx)) return;
    if (tensor.type === 'float32') return;
    const [min, max] = RANGE[tensor.type];
    const bad = tensor.data.findIndex((value) => !Number.isInteger(value) || value < min || value > max);
    if (bad >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', bad],
        message: `${tensor.data[bad]} is not a ${tensor.type} value (integers ${min}..${max})`,
      });
    }
  });

const name = z.string().min(1).max(256);

export const tensorsRequestSchema = z
  .strictObject({
    kind: z.literal('tensors'),
    inputs: z
      .record(name, inputTensor)
      .refine((inputs) => Object.keys(inputs).length <= MAX_INPUTS, `at most ${MAX_INPUTS} inputs`),
    /** Outputs to compute and return, by name (default: all of the model's outputs). */
    outputs: z
      .array(name)
      .min(1)
      .max(MAX_INPUTS)
      .refine((names) => new Set(names).size === names.length, 'output names repeat')
      .optional(),
  })
  .refine(
    (request) =>
      Object.values(request.inputs).reduce((sum, tensor) => sum + tensor.data.length, 0) <=
      MAX_INPUT_ELEMENTS,
    { message: `the inputs hold more than ${MAX_INPUT_ELEMENTS} elements together`, path: ['inputs'] },
  );

export const ocrRequestSchema = z.strictObject({
  kind: z.literal('ocr'),
  /** PNG or JPEG images, base64 (standard alphabet; a `data:image/...;base64,` prefix is allowed). */
  images: z.array(z.string().min(1).max(MAX_IMAGE_BASE64)).min(1).max(MAX_IMAGES),
});

export const onnxRequestSchema = z.discriminatedUnion('kind', [tensorsRequestSchema, ocrRequestSchema]);

export type TensorsRequest = z.output<typeof tensorsRequestSchema>;
export type OcrRequest = z.output<typeof ocrRequestSchema>;
export type OnnxRequest = z.output<typeof onnxRequestSchema>;
export type OnnxRequestInput = z.input<typeof onnxRequestSchema>;
export type InputTensor = TensorsRequest['inputs'][string];

/**
 * Element types an answer can hold: the request's, and other numeric ONNX types a model may
 * output. float16 is widened to float32 values; bool is 0 or 1; non-finite floats (NaN, ±Infinity)
 * have no JSON number and are written as null.
 */
export type OutputType =
  | InputType
  | 'float16'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'uint32'
  | 'uint64';

export interface OutputTensor {
  type: OutputType;
  dims: number[];
  data: (number | null)[];
}

export interface TensorsAnswer {
  kind: 'tensors';
  outputs: Record<string, OutputTensor>;
}

/** A corner of a text box in the image's pixels: x to the right, y down. */
export type Point = [x: number, y: number];

export interface OcrLine {
  text: string;
  /** Mean probability of the recognized characters, 0..1. */
  score: number;
  /** The line's box: top-left, top-right, bottom-right, bottom-left (for the text's reading direction). */
  box: [Point, Point, Point, Point];
}

export interface OcrPage {
  /** The lines' texts in reading order: boxes side by side joined by a space, rows by a newline. */
  text: string;
  lines: OcrLine[];
}

export interface OcrAnswer {
  kind: 'ocr';
  pages: OcrPage[];
}

export type OnnxAnswer = TensorsAnswer | OcrAnswer;
