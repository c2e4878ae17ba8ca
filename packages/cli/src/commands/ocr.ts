import { readFile } from 'node:fs/promises';
import { readText } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { COORDINATOR_HELP, collectUrls } from '../coordinator-url.js';
import { parseAmount } from '../format.js';
import { jobsContext, pay } from './job.js';

interface OcrFlags {
  maxPrice: string;
  deadline: string;
  pay: boolean;
}

export function registerOcrCommand(ocr: Command): void {
  ocr
    .argument('<images...>')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .option('--key <name>', 'client key in the data directory', 'client')
    .option('--max-price <grid>', 'most to pay, in GRID', '1')
    .option('--deadline <seconds>', 'seconds until the job must be done', '300')
    .option('--no-pay', 'do not pay for the job (it stays accepted)')
    .action(async (images: string[], flags: OcrFlags, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      out.step(`reading ${images.length} image(s) on the network`);
      const read = await readText(ctx, await Promise.all(images.map((file) => readFile(file))), {
        maxPrice: parseAmount(flags.maxPrice, '--max-price'),
        deadlineSeconds: Number(flags.deadline),
      });
      let { job } = read;
      let payment: unknown;
      if (flags.pay && job.state === 'accepted') ({ job, payment } = await pay(ctx, out, job));
      out.result({ job, pages: read.pages, ...(payment ? { payment } : {}) }, () =>
        read.pages.map((page, i) => `${images[i]}:\n${page.text}`).join('\n\n'),
      );
    });
}
