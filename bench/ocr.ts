import { readFile } from 'node:fs/promises';
import { createOnnxExecutor, NOTICE_IMAGE, ocrModelCid } from '@idlegrid/node';
import { fetchResult, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import { startNetwork } from './local-network.js';
import { machineLine, markdownTable } from './report.js';

/**
 * OCR throughput: the shipped notice image (two lines of text) read by PP-OCRv4 through the
 * network with 1, 2 and 4 providers, against the same models called in-process, in the same
 * run. Each provider reads one image at a time (one OCR session, one thread), as does the
 * in-process baseline; the network keeps twice as many jobs in flight as it has providers.
 */
const IMAGES = 24;
const PROVIDERS = [1, 2, 4];

export async function runOcrBenchmark(): Promise<string> {
  const image = (await readFile(NOTICE_IMAGE.path)).toString('base64');
  const request = new TextEncoder().encode(JSON.stringify({ kind: 'ocr', images: [image] }));

  const local = await createOnnxExecutor({ device: 'cpu', threads: 1 }).prepareOcr();
  await local.run({ stdin: request });
  const localStarted = performance.now();
  for (let i = 0; i < IMAGES; i++) await local.run({ stdin: request });
  const localRate = IMAGES / ((performance.now() - localStarted) / 1000);
  await local.dispose();

  const cid = await ocrModelCid();
  const rows: (string | number)[][] = [['in-process (onnxruntime-node)', '-', localRate.toFixed(2), '1.00']];
  for (const count of PROVIDERS) {
    const net = await startNetwork(count);
    try {
      const one = async () => {
        const job = await submitWasmJob(net.ctx, {
          runtime: 'onnx',
          module: cid,
          stdin: request,
          maxPrice: 10n ** 18n,
          deadlineSeconds: 300,
          memoryMb: 256,
          cpuCores: 1,
        });
        const done = await waitForJob(net.ctx, job.id, { timeoutMs: 300_000 });
        const result = await fetchResult(net.ctx, done);
        if (result.exitCode !== 0) throw new Error(new TextDecoder().decode(result.stderr));
      };
      // Warm-up: every provider loads its OCR session on its first image.
      await Promise.all(Array.from({ length: count * 2 }, one));
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: count * 2 }, async () => {
          while (next++ < IMAGES) await one();
        }),
      );
      const rate = IMAGES / ((performance.now() - started) / 1000);
      rows.push([`through the network`, count, rate.toFixed(2), (rate / localRate).toFixed(2)]);
    } finally {
      await net.stop();
    }
  }
  return [
    '## OCR through the network',
    '',
    machineLine(),
    '',
    `PP-OCRv4 (detection + recognition, ONNX, one thread per session) reading the shipped notice image (${IMAGES} images per row, after a warm-up).`,
    '',
    markdownTable(['path', 'providers', 'images/s', 'vs in-process'], rows),
  ].join('\n');
}
