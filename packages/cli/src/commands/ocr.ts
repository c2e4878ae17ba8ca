import { readFile } from 'node:fs/promises';
import { IdlegridError } from '@idlegrid/protocol';
import { fetchResult, listModels, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { parseAmount } from '../format.js';
import { jobsContext, pay, unfinished } from './job.js';

/** The name providers list the built-in PP-OCRv4 models under. */
const OCR_MODEL = 'pp-ocrv4';

interface OcrFlags {
  maxPrice: string;
  deadline: string;
  pay: boolean;
}

interface OcrPage {
  text: string;
  lines: { text: string; score: number }[];
}

export function registerOcrCommand(program: Command): void {
  program
    .command('ocr <images...>')
    .description('read the text in PNG or JPEG images on a provider (PP-OCRv4, an onnx job), and pay for it')
    .option('--coordinator <url>', 'coordinator HTTP API (or IDLEGRID_COORDINATOR, or localnet.json)')
    .option('--key <name>', 'client key in the data directory', 'client')
    .option('--max-price <grid>', 'most to pay, in GRID', '1')
    .option('--deadline <seconds>', 'seconds until the job must be done', '300')
    .option('--no-pay', 'do not pay for the job (it stays accepted)')
    .action(async (images: string[], flags: OcrFlags, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      const model = (await listModels(ctx)).find((m) => m.id === OCR_MODEL && m.runtime === 'onnx');
      if (!model) throw new IdlegridError('MODEL_NOT_FOUND', `no provider online serves ${OCR_MODEL}`);
      const encoded = await Promise.all(
        images.map(async (file) => (await readFile(file)).toString('base64')),
      );
      const deadlineSeconds = Number(flags.deadline);
      out.step(
        `reading ${images.length} image(s) on the network (${model.providers} provider(s) serve ${OCR_MODEL})`,
      );
      const submitted = await submitWasmJob(ctx, {
        runtime: 'onnx',
        module: model.cid,
        stdin: new TextEncoder().encode(JSON.stringify({ kind: 'ocr', images: encoded })),
        maxPrice: parseAmount(flags.maxPrice, '--max-price'),
        deadlineSeconds,
        memoryMb: 512,
        cpuCores: 1,
      });
      let job = await waitForJob(ctx, submitted.id, { timeoutMs: (deadlineSeconds + 60) * 1000 });
      if (job.state !== 'accepted' && job.state !== 'settled') throw unfinished(job);
      const result = await fetchResult(ctx, job);
      if (result.exitCode !== 0) {
        throw new IdlegridError(
          'PROVIDER_FAILED',
          new TextDecoder().decode(result.stderr).trim() || 'OCR failed',
        );
      }
      const pages = (JSON.parse(new TextDecoder().decode(result.stdout)) as { pages: OcrPage[] }).pages;
      let payment: unknown;
      if (flags.pay && job.state === 'accepted') ({ job, payment } = await pay(ctx, out, job));
      out.result({ job, pages, ...(payment ? { payment } : {}) }, () =>
        pages.map((page, i) => `${images[i]}:\n${page.text}`).join('\n\n'),
      );
    });
}
