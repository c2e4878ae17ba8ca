import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import { uploadArtifact } from '../jobs/artifacts.js';
import type { JobsContext } from '../jobs/context.js';
import { payForJob } from '../jobs/pay-for-job.js';
import { runWasmJob } from '../jobs/run-jobs.js';

const inputAnswer = z.object({
  input: z.string(),
  cells: z.array(z.string()),
  devices: z.array(z.string()),
  from: z.number(),
  covered: z.array(z.tuple([z.string(), z.number()])),
  merkleRoot: z.string(),
});

export interface FeedReportRequest {
  feed: string;
  quantity: string;
  kind: 'anomalies' | 'disagreement';
  /** anomalies: standard deviations from the cell's hourly means; disagreement: spread in the quantity's unit. */
  threshold: number;
  /** The window, unix ms. */
  from: number;
  until: number;
  /** The feed-report WASI module (built in @idlegrid/node's examples), or the CID of an uploaded one. */
  module: Uint8Array | string;
  maxPrice: bigint;
  /** Writes a summary of the findings (e.g. through the network's /v1/chat/completions). */
  summarize?: (prompt: string) => Promise<string>;
}

export interface FeedReport {
  feed: string;
  quantity: string;
  kind: string;
  threshold: number;
  from: number;
  until: number;
  /** The readings that went in, as (device, seq), and the Merkle root of their leaves (docs/feeds.md). */
  readings: number;
  merkleRoot: string;
  covered: [string, number][];
  /** The module's findings, one a line: tab-separated, cells by their index in `cells`. */
  output: string;
  cells: string[];
  job: { id: string; provider: string | null; price: string | null };
  summary?: string;
}

/**
 * A report over a feed's verified readings, run as a paid job on a provider: the coordinator
 * gives the window's rewardable readings as the feed-report module's input, with the Merkle root
 * of what it covers; a provider runs the module; the client pays the job, optionally has the
 * findings summarized, and stores the report as an artifact. Answers the report and its CID.
 */
export async function runFeedReport(
  ctx: JobsContext,
  request: FeedReportRequest,
  options: RequestOptions = {},
): Promise<{ report: FeedReport; cid: string }> {
  const query = new URLSearchParams({
    quantity: request.quantity,
    from: String(request.from),
    until: String(request.until),
  });
  const input = parseAnswer(
    inputAnswer,
    await ctx.coordinator.getJson(
      `/v1/feeds/${encodeURIComponent(request.feed)}/report-input?${query}`,
      options,
    ),
    'report input',
  );
  const { job, result } = await runWasmJob(ctx, {
    module: request.module,
    args: [request.kind, String(request.threshold)],
    stdin: Uint8Array.from(Buffer.from(input.input, 'base64')),
    maxPrice: request.maxPrice,
    deadlineSeconds: 120,
    memoryMb: 256,
    cpuCores: 1,
  });
  if (result?.exitCode !== 0)
    throw new Error(
      `the report job ${job.id} ended ${job.state}${result ? ` (exit ${result.exitCode})` : ''}`,
    );
  await payForJob(ctx, job, options);
  const output = new TextDecoder().decode(result.stdout);
  const report: FeedReport = {
    feed: request.feed,
    quantity: request.quantity,
    kind: request.kind,
    threshold: request.threshold,
    from: request.from,
    until: request.until,
    readings: input.covered.length,
    merkleRoot: input.merkleRoot,
    covered: input.covered,
    output,
    cells: input.cells,
    job: { id: job.id, provider: job.provider ?? null, price: job.price ?? null },
  };
  if (request.summarize && output.trim())
    report.summary = await request.summarize(
      `Summarize for a reader, in three sentences, these ${request.kind} found in the ${request.quantity} readings of feed "${request.feed}" (tab-separated: kind, cell index, hour index, value, z or devices; cells ${input.cells.join(', ')}):\n${output}`,
    );
  const cid = await uploadArtifact(ctx, new TextEncoder().encode(JSON.stringify(report)), options);
  return { report, cid };
}
