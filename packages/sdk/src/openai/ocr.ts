import { IdlegridError } from '@idlegrid/protocol';
import type { RequestOptions } from '../http/coordinator-client.js';
import type { JobsContext } from '../jobs/context.js';
import { fetchResult } from '../jobs/fetch-result.js';
import type { Job } from '../jobs/job.js';
import { submitWasmJob } from '../jobs/submit-job.js';
import { waitForJob } from '../jobs/wait-for-job.js';
import { listModels } from './models.js';

/** The name providers list their built-in PP-OCRv4 models under. */
export const OCR_MODEL = 'pp-ocrv4';

export interface OcrLine {
  text: string;
  score: number;
  /** Corners, clockwise from the top left, in image pixels. */
  box: [number, number][];
}

export interface OcrPage {
  /** The lines, in reading order, joined by newlines. */
  text: string;
  lines: OcrLine[];
}

export interface OcrOptions extends RequestOptions {
  maxPrice?: bigint;
  deadlineSeconds?: number;
}

/**
 * Reads the text in PNG or JPEG images on a provider (an `onnx` job naming the PP-OCRv4
 * models every provider serves), and returns one page per image with the accepted job, for
 * the caller to pay (`payForJob`).
 */
export async function readText(
  ctx: JobsContext,
  images: readonly Uint8Array[],
  options: OcrOptions = {},
): Promise<{ job: Job; pages: OcrPage[] }> {
  const model = (await listModels(ctx, options)).find((m) => m.id === OCR_MODEL && m.runtime === 'onnx');
  if (!model) throw new IdlegridError('MODEL_NOT_FOUND', `no provider online serves ${OCR_MODEL}`);
  const deadlineSeconds = options.deadlineSeconds ?? 300;
  const request = { kind: 'ocr', images: images.map((image) => Buffer.from(image).toString('base64')) };
  const submitted = await submitWasmJob(
    ctx,
    {
      runtime: 'onnx',
      module: model.cid,
      stdin: new TextEncoder().encode(JSON.stringify(request)),
      maxPrice: options.maxPrice ?? 10n ** 18n,
      deadlineSeconds,
      memoryMb: 512,
      cpuCores: 1,
    },
    options,
  );
  const job = await waitForJob(ctx, submitted.id, { timeoutMs: (deadlineSeconds + 60) * 1000 });
  if (job.state !== 'accepted' && job.state !== 'settled') {
    throw new IdlegridError(
      (job.error?.code as 'PROVIDER_FAILED' | undefined) ?? 'JOB_RESULT_UNAVAILABLE',
      `OCR job ${job.id} ${job.state}`,
      {
        details: { jobId: job.id, state: job.state },
      },
    );
  }
  const result = await fetchResult(ctx, job, options);
  if (result.exitCode !== 0) {
    throw new IdlegridError(
      'PROVIDER_FAILED',
      new TextDecoder().decode(result.stderr).trim() || 'OCR failed',
    );
  }
  return { job, pages: (JSON.parse(new TextDecoder().decode(result.stdout)) as { pages: OcrPage[] }).pages };
}
