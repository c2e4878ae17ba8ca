import {
  ERROR_CODES,
  type ErrorCode,
  type FlSettings,
  type FlSettingsInput,
  flSettingsSchema,
  IdlegridError,
  type SignedMessage,
  signMessage,
} from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext, ReadContext } from '../jobs/context.js';
import { nowSeconds, randomJobId, randomNonce } from '../jobs/job-spec.js';
import { VOUCHER_LIFETIME_SECONDS } from '../jobs/pay-for-job.js';

const roundSchema = z.object({
  round: z.number(),
  participants: z.array(
    z.object({ provider: z.string(), examples: z.number(), loss: z.number().nullable() }),
  ),
  dropped: z.array(z.string()),
  paid: z.array(z.string()),
  rejected: z.array(z.object({ provider: z.string(), code: z.string(), reason: z.string() })),
  outliers: z.array(z.string()),
  loss: z.number().nullable(),
  epsilon: z.number().nullable(),
  evaluation: z.object({ accuracy: z.number(), loss: z.number() }).optional(),
  startedAt: z.number(),
  closedAt: z.number(),
});

const runSchema = z.object({
  id: z.string(),
  client: z.string(),
  state: z.enum(['running', 'completed', 'failed']),
  reason: z.string().nullable(),
  modelCid: z.string(),
  dataset: z.string(),
  settings: flSettingsSchema,
  pricePerUpdate: z.string(),
  deadline: z.number(),
  roundsDone: z.number(),
  rounds: z.array(roundSchema),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** A federated run as the coordinator shows it (`GET /v1/fl/runs/:id`). */
export type FederatedRun = z.output<typeof runSchema>;
export type FederatedRound = z.output<typeof roundSchema>;

export interface FederatedRunRequest {
  /** The CID of the model bundle (idlegrid-tfjs/1, a float32 layers model) uploaded to the coordinator. */
  modelCid: string;
  /** The dataset every participant must hold (`idlegrid data add`). */
  dataset: string;
  settings: FlSettingsInput;
  /** Token base units paid for each accepted update. */
  pricePerUpdate: bigint;
  /** How long the run may take, seconds (at most a day: the signed run expires with it). */
  timeoutSeconds?: number;
  /** The same id again is the same run (a retried submission starts nothing new). */
  runId?: `0x${string}`;
}

/** Signs the client's FlRun and starts it; a run already started under that runId is returned as it is. */
export async function startFederatedRun(
  ctx: JobsContext,
  request: FederatedRunRequest,
  options: RequestOptions = {},
): Promise<FederatedRun> {
  const settings = checkedSettings(request.settings);
  const deadline = nowSeconds() + BigInt(Math.min(request.timeoutSeconds ?? 3_600, 86_100));
  const signed = await signMessage(ctx.signer, ctx.domain, 'FlRun', {
    client: ctx.signer.address,
    runId: request.runId ?? randomJobId(),
    modelCid: request.modelCid,
    dataset: request.dataset,
    settings: JSON.stringify(settings),
    pricePerUpdate: request.pricePerUpdate,
    deadline,
    nonce: randomNonce(),
    expiry: deadline,
  });
  return runOf(await ctx.coordinator.postJson('/v1/fl/runs', signed, options));
}

export async function getFederatedRun(ctx: ReadContext, id: string, options: RequestOptions = {}) {
  return runOf(await ctx.coordinator.getJson(`/v1/fl/runs/${encodeURIComponent(id)}`, options));
}

/** The newest runs (a client's when named), without their rounds. */
export async function listFederatedRuns(
  ctx: ReadContext,
  client?: string,
  options: RequestOptions = {},
): Promise<FederatedRun[]> {
  const query = client ? `?client=${encodeURIComponent(client)}` : '';
  return parseAnswer(
    z.object({ runs: z.array(runSchema) }),
    await ctx.coordinator.getJson(`/v1/fl/runs${query}`, options),
    'federated runs',
  ).runs;
}

/** The global model after a round (the latest by default), as an idlegrid-tfjs/1 bundle. */
export function federatedModel(
  ctx: ReadContext,
  id: string,
  round?: number,
  options: RequestOptions = {},
): Promise<Uint8Array> {
  const query = round === undefined ? '' : `?round=${round}`;
  return ctx.coordinator.getBytes(`/v1/fl/runs/${encodeURIComponent(id)}/model${query}`, options);
}

/**
 * Pays a closed round: one cumulative voucher per participant not yet paid, each adding the
 * run's price per update to what that provider was paid so far. Dropped providers owe nothing.
 */
export async function payFederatedRound(
  ctx: JobsContext,
  run: FederatedRun,
  round: FederatedRound,
  options: RequestOptions & { evaluation?: { accuracy: number; loss: number } } = {},
): Promise<{ round: FederatedRound; vouchers: SignedMessage<'Voucher'>[] }> {
  const owed = round.participants.filter((p) => !round.paid.includes(p.provider));
  if (owed.length === 0) return { round, vouchers: [] };
  const vouchers: SignedMessage<'Voucher'>[] = [];
  for (const { provider } of owed) {
    const previous = parseAnswer(
      z.object({ cumulativeAmount: z.string(), nonce: z.string() }),
      await ctx.coordinator.getJson(`/v1/payments/${run.client}/${provider}`, options),
      'payment state',
    );
    vouchers.push(
      await signMessage(ctx.signer, ctx.domain, 'Voucher', {
        client: run.client as `0x${string}`,
        provider: provider as `0x${string}`,
        cumulativeAmount: BigInt(previous.cumulativeAmount) + BigInt(run.pricePerUpdate),
        nonce: BigInt(previous.nonce) + 1n,
        expiry: nowSeconds() + VOUCHER_LIFETIME_SECONDS,
      }),
    );
  }
  const answer = await ctx.coordinator.postJson(
    `/v1/fl/runs/${encodeURIComponent(run.id)}/rounds/${round.round}/payment`,
    { vouchers, ...(options.evaluation ? { evaluation: options.evaluation } : {}) },
    options,
  );
  return { round: parseAnswer(z.object({ round: roundSchema }), answer, 'paid round').round, vouchers };
}

export interface RunFederatedOptions extends RequestOptions {
  /**
   * Measures a closed round's model on the client's own test set before it is paid; the measure
   * goes to the coordinator with the payment (its dashboard draws the accuracy curve).
   */
  evaluate?: (round: FederatedRound, run: FederatedRun) => Promise<{ accuracy: number; loss: number }>;
  /** After each closed round is paid (and evaluated, with `evaluate`): to show progress. */
  onRound?: (round: FederatedRound, run: FederatedRun) => void | Promise<void>;
  /** How often the run is read, ms (default 500). */
  pollMs?: number;
}

/**
 * Runs a federated training to its end: starts it, pays each round as it closes (a client that
 * stops paying stops being served by honest providers), and resolves with the finished run, or
 * throws what stopped it.
 */
export async function runFederated(
  ctx: JobsContext,
  request: FederatedRunRequest,
  options: RunFederatedOptions = {},
): Promise<{ run: FederatedRun; paid: bigint }> {
  let run = await startFederatedRun(ctx, request, options);
  let paid = 0n;
  const seen = new Set<number>();
  for (;;) {
    for (const round of run.rounds.filter((r) => !seen.has(r.round))) {
      const evaluation = await options.evaluate?.(round, run);
      const payment = await payFederatedRound(ctx, run, round, {
        ...options,
        ...(evaluation ? { evaluation } : {}),
      });
      paid += BigInt(payment.vouchers.length) * BigInt(run.pricePerUpdate);
      seen.add(round.round);
      await options.onRound?.(payment.round, run);
    }
    if (run.state !== 'running' && run.rounds.every((r) => seen.has(r.round))) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    run = await getFederatedRun(ctx, run.id, options);
  }
  if (run.state === 'failed') {
    const [code = '', ...rest] = (run.reason ?? 'INTERNAL: the run failed').split(': ');
    throw new IdlegridError(
      (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL',
      `federated run ${run.id} stopped after ${run.roundsDone} rounds: ${rest.join(': ')}`,
      { details: { run: run.id, roundsDone: run.roundsDone } },
    );
  }
  return { run, paid };
}

function runOf(answer: unknown): FederatedRun {
  return parseAnswer(z.object({ run: runSchema }), answer, 'federated run').run;
}

/** The run settings as the network checks them; FL_RUN_INVALID with the first reason otherwise. */
export function checkedSettings(settings: FlSettingsInput): FlSettings {
  const parsed = flSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IdlegridError(
      'FL_RUN_INVALID',
      `run settings: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`,
      {
        details: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
      },
    );
  }
  return parsed.data;
}
