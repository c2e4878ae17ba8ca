import { z } from 'zod';

/**
 * What a `fasttext` job asks for and what it answers, as JSON: the request is the job's first
 * input (the runtime reads it as stdin), the answer is its stdout. One kind for now:
 * - `classify`: texts in, each text's most likely labels out (the built-in language
 *   identification model `lid.176`, see `language-id.ts`).
 */

/** Most texts in one request. */
export const MAX_TEXTS = 1024;
/** Longest text, in UTF-16 code units (JavaScript's `length`). */
export const MAX_TEXT_CHARS = 100_000;
/** Most labels asked for per text. */
export const MAX_K = 10;

export const classifyRequestSchema = z.strictObject({
  kind: z.literal('classify'),
  /**
   * The texts to classify, each as a whole: newlines inside a text are read as spaces (fastText
   * itself would stop at the first one). A text with no words (empty, only spaces) gets no labels.
   */
  texts: z.array(z.string().max(MAX_TEXT_CHARS)).min(1).max(MAX_TEXTS),
  /** Labels to return per text, most probable first (fewer where fewer pass `threshold`). */
  k: z.number().int().min(1).max(MAX_K).default(1),
  /** Labels less probable than this are left out. */
  threshold: z.number().min(0).max(1).default(0),
});

export const fastTextRequestSchema = z.discriminatedUnion('kind', [classifyRequestSchema]);

export type ClassifyRequest = z.output<typeof classifyRequestSchema>;
export type ClassifyRequestInput = z.input<typeof classifyRequestSchema>;
export type FastTextRequest = z.output<typeof fastTextRequestSchema>;

export interface LabelPrediction {
  /**
   * The label without fastText's `__label__` prefix: for `lid.176` the language's code as
   * fastText names it (Wikipedia codes: ISO 639-1 such as `en`, else ISO 639-2/3 such as `als`, `ceb`).
   */
  label: string;
  /** The model's probability of the label, 0..1. */
  probability: number;
}

export interface ClassifyAnswer {
  kind: 'classify';
  /** One list per text, in the request's order; each sorted by probability, highest first. */
  predictions: LabelPrediction[][];
}

export type FastTextAnswer = ClassifyAnswer;
