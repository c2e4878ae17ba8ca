import { ERROR_CODES, type ErrorCode, IdlegridError, networkDomain } from '@idlegrid/protocol';
import {
  cancelJob,
  getJob,
  getJobEvents,
  JOB_STATES,
  type Job,
  type JobResult,
  type JobState,
  type JobsContext,
  latestPlacement,
  listJobs,
  loadKey,
  type Placement,
  type PlacementConstraints,
  payForJob,
  randomJobId,
  readNetworkConfig,
  submitWasmJob,
  waitForResult,
} from '@idlegrid/sdk';
import { runPrivateJob } from '@idlegrid/sdk/privacy';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { COORDINATOR_HELP, collectUrls, coordinatorClient } from '../coordinator-url.js';
import { formatTokens, parseAmount, table } from '../format.js';
import type { Output } from '../output.js';
import { ownerContext } from '../owner-context.js';
import { readUserFile } from '../read-user-file.js';
import { checkWasiModule } from '../wasm-check.js';
import { resolveJobId } from './job-id.js';
import { knownNames, nameOrAddress } from './known-names.js';

interface JobFlags {
  coordinator?: string[];
  key: string;
}

interface RunFlags {
  wasm?: string;
  onnx?: string;
  tfjs?: string;
  args?: string;
  arg: string[];
  input?: string;
  maxPrice: string;
  deadline: string;
  minCores: string;
  minRamGb: string;
  minVramGb?: string;
  gpu?: string;
  region?: string;
  maxRttMs?: string;
  maxSeconds?: string;
  minReputation?: string;
  verify?: string;
  confidence?: string;
  wait: boolean;
  waitForCapacity?: boolean;
  pay: boolean;
  private?: boolean;
}

/** Reading a job needs only the coordinator: no key, no network file. */
async function readContext(command: Command) {
  const { config, out } = await contextOf(command);
  const coordinator = await coordinatorClient(
    config.dataDir,
    command.optsWithGlobals<JobFlags>().coordinator,
  );
  return { ctx: { coordinator }, out, dataDir: config.dataDir };
}

export async function jobsContext(command: Command) {
  const { config, out } = await contextOf(command);
  const flags = command.optsWithGlobals<JobFlags>();
  const [coordinator, signer, network] = await Promise.all([
    coordinatorClient(config.dataDir, flags.coordinator),
    loadKey(config.dataDir, flags.key),
    readNetworkConfig(config.dataDir),
  ]);
  const ctx: JobsContext = {
    coordinator,
    signer,
    domain: networkDomain(network.chainId, network.paymentChannels),
  };
  return { ctx, out, dataDir: config.dataDir };
}

const integer = (text: string, flag: string) => {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new IdlegridError('INVALID_ARGUMENT', `${flag} must be a positive integer, got "${text}"`);
  return Number(text);
};

/** A positive decimal (like 0.5 GiB) as a whole number of `unit`s, at least one. */
const scaled = (text: string, flag: string, unit: number) => {
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(value > 0))
    throw new IdlegridError('INVALID_ARGUMENT', `${flag} must be a positive number, got "${text}"`);
  return Math.max(1, Math.round(value * unit));
};

/** `--verify POLICY` or `--confidence C` (the coordinator derives the policy); neither: its default. */
function verificationOf(flags: RunFlags): { verification?: string } {
  if (flags.verify !== undefined && flags.confidence !== undefined)
    throw new IdlegridError('INVALID_ARGUMENT', 'give --verify or --confidence, not both');
  if (flags.confidence !== undefined) return { verification: `confidence:${flags.confidence}` };
  return flags.verify === undefined ? {} : { verification: flags.verify };
}

/** The placement constraints a `job run` gives (absent flags: any provider). */
function placementOf(flags: RunFlags): PlacementConstraints {
  const reputation = flags.minReputation === undefined ? undefined : Number(flags.minReputation);
  if (reputation !== undefined && !(reputation >= 0 && reputation <= 1))
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `--min-reputation must be between 0 and 1, got "${flags.minReputation}"`,
    );
  return {
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(flags.gpu === undefined ? {} : { gpu: flags.gpu }),
    ...(flags.minVramGb === undefined ? {} : { vramMb: scaled(flags.minVramGb, '--min-vram-gb', 1024) }),
    ...(flags.maxRttMs === undefined ? {} : { maxRttMs: integer(flags.maxRttMs, '--max-rtt-ms') }),
    ...(flags.maxSeconds === undefined ? {} : { maxSeconds: integer(flags.maxSeconds, '--max-seconds') }),
    ...(reputation === undefined ? {} : { minReputation: reputation }),
  };
}

function describePlacement(placement: Placement): string {
  const { chosen } = placement;
  const { cost, time, risk, load } = chosen.terms;
  const terms = `cost ${cost.toFixed(2)} + time ${time.toFixed(2)} + risk ${risk.toFixed(2)} + load ${load.toFixed(2)}`;
  return (
    `${placement.policy}, best of ${placement.considered}: score ${chosen.score.toFixed(2)} (${terms}); ` +
    `expected ${chosen.expectedRunSeconds.toFixed(1)} s, failure ${(100 * chosen.failureProbability).toFixed(2)}%`
  );
}

/** The runtime its signed spec names (the SDK keeps the spec as the coordinator sent it). */
const runtimeOf = (job: Job): string =>
  (job.spec as { message?: { runtime?: string } } | null)?.message?.runtime ?? '-';

function describeJob(job: Job, names: ReadonlyMap<string, string>, placement?: Placement): string {
  return table([
    ['id', job.id],
    ['state', job.state],
    ['runtime', runtimeOf(job)],
    ['client', nameOrAddress(names, job.client)],
    ['provider', nameOrAddress(names, job.provider)],
    ['price', job.price === null ? '-' : formatTokens(BigInt(job.price))],
    ['attempt', `${job.attempt} of ${job.maxAttempts}`],
    ['result', job.resultCid ?? '-'],
    ...(placement ? [['placement', describePlacement(placement)]] : []),
    ...(job.error ? [['error', `${job.error.code}: ${job.error.message}`]] : []),
    ['updated', new Date(job.updatedAt).toISOString()],
  ]);
}

/** A job that ended without a result becomes the CLI's error, with the job's own code when known. */
function unfinished(job: Job): IdlegridError {
  const code = job.error?.code;
  const known = code !== undefined && (ERROR_CODES as readonly string[]).includes(code);
  // The job's own code becomes the error's code: the message does not repeat it.
  const reason = job.error ? `: ${known ? '' : `${job.error.code}: `}${job.error.message}` : '';
  return new IdlegridError(
    known ? (code as ErrorCode) : 'JOB_RESULT_UNAVAILABLE',
    `job ${job.id} ${job.state}${reason}`,
    {
      details: { jobId: job.id, state: job.state },
    },
  );
}

const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export async function pay(ctx: JobsContext, out: Output, job: Job) {
  out.step(`paying ${formatTokens(BigInt(job.price ?? '0'))} to ${job.provider}`);
  try {
    const payment = await payForJob(ctx, job);
    return { job: payment.job, payment: { vouchers: payment.vouchers } };
  } catch (error) {
    // The job ran and its result is here; a failed payment is reported, not fatal.
    const wrapped = error instanceof IdlegridError ? error : new IdlegridError('INTERNAL', String(error));
    out.step(`payment failed: ${wrapped.code}: ${wrapped.message}`);
    return { job, payment: { error: wrapped.toJSON() } };
  }
}

async function runJob(flags: RunFlags, command: Command) {
  const { ctx, out } = await jobsContext(command);
  const args = [...(flags.args?.trim() ? flags.args.trim().split(/\s+/) : []), ...flags.arg];
  const given = (['wasm', 'onnx', 'tfjs'] as const).filter((runtime) => flags[runtime] !== undefined);
  if (given.length !== 1) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      'give one of --wasm FILE (a WASI module), --onnx FILE (an ONNX model) or --tfjs FILE (a TF.js model bundle)',
    );
  }
  const runtime = given[0]!;
  const moduleFile = flags[runtime]!;
  const module = await readUserFile(moduleFile, `--${runtime}`);
  if (runtime === 'wasm') checkWasiModule(module, moduleFile);
  const request = {
    ...(runtime === 'wasm' ? {} : { runtime }),
    module,
    args,
    ...(flags.input === undefined ? {} : { stdin: await readUserFile(flags.input, '--input') }),
    maxPrice: parseAmount(flags.maxPrice, '--max-price'),
    deadlineSeconds: integer(flags.deadline, '--deadline'),
    cpuCores: integer(flags.minCores, '--min-cores'),
    memoryMb: scaled(flags.minRamGb, '--min-ram-gb', 1024),
    ...placementOf(flags),
    ...verificationOf(flags),
  };
  const waiting = {
    onProgress: (job: Job) => out.step(describeProgress(job)),
    timeoutMs: (request.deadlineSeconds + 60) * 1000,
    waitForCapacity: flags.waitForCapacity === true,
  };
  let finished: Awaited<ReturnType<typeof waitForResult>>;
  if (flags.private) {
    if (runtime !== 'wasm')
      throw new IdlegridError(
        'PRIVACY_UNSUPPORTED',
        'private jobs run WASM modules (--wasm FILE); ask a model privately with `idlegrid chat --private`',
      );
    if (!flags.wait)
      throw new IdlegridError(
        'INVALID_ARGUMENT',
        "--private waits: the client hands each provider the job's keys",
      );
    out.step(`sealing the input and submitting a private job to ${ctx.coordinator.url}`);
    const owner = await ownerContext(command);
    // Its id is known before it is submitted: cancelled like any job on Ctrl-C or when nothing can run it.
    const jobId = randomJobId();
    finished = await waitCancellingOnExit(ctx, out, jobId, () =>
      runPrivateJob(owner.ctx, { ...request, jobId }, owner.key, waiting),
    );
  } else {
    out.step(`uploading ${moduleFile} and submitting to ${ctx.coordinator.url}`);
    const submitted = await submitWasmJob(ctx, request);
    out.step(`job ${submitted.id} submitted`);
    if (!flags.wait) return out.result({ job: submitted }, () => submitted.id);
    // The job and its checked result come on one event stream.
    finished = await waitCancellingOnExit(ctx, out, submitted.id, () =>
      waitForResult(ctx, submitted.id, waiting),
    );
  }
  let done = finished.job;
  const result = finished.result;
  if (!result) throw unfinished(done);
  out.step(`exit code ${result.exitCode} after ${result.durationMs} ms`);
  let payment: unknown;
  if (flags.pay && done.state === 'accepted') ({ job: done, payment } = await pay(ctx, out, done));
  if (out.json)
    return out.result({ job: done, result: resultJson(result), ...(payment ? { payment } : {}) }, () => '');
  process.stderr.write(result.stderr);
  process.stdout.write(result.stdout);
}

/** One line per state change; a job that waits says why. */
function describeProgress(job: Job): string {
  const where = job.provider ? ` (provider ${job.provider})` : '';
  const why = job.state === 'submitted' && job.error ? `: ${job.error.message}` : '';
  return `job ${job.state}${where}${why}`;
}

/**
 * Waits for a job this command submitted, and cancels it when the wait ends without it: on
 * Ctrl-C, or when no provider can run it, so that it is neither left queued nor run unpaid.
 */
async function waitCancellingOnExit<T>(
  ctx: JobsContext,
  out: Output,
  id: string,
  wait: () => Promise<T>,
): Promise<T> {
  const cancel = async (why: string) => {
    await cancelJob(ctx, id).then(
      () => out.step(`job ${id} cancelled (${why})`),
      (error: unknown) => out.step(`could not cancel job ${id}: ${(error as Error).message}`),
    );
  };
  const onInterrupt = () => void cancel('interrupted').finally(() => process.exit(130));
  process.once('SIGINT', onInterrupt);
  try {
    return await wait();
  } catch (error) {
    if (error instanceof IdlegridError && error.code === 'JOB_UNMATCHED')
      await cancel('no provider can run it');
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function resultJson(result: JobResult) {
  return { ...result, stdout: textOf(result.stdout), stderr: textOf(result.stderr) };
}

export function registerJobCommands(job: Command): void {
  job
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .option('--key <name>', 'client key in the data directory', 'client');

  job
    .command('run')
    .description(
      'run a WASI module, or an ONNX or TF.js model on its input, on a provider and print its output',
    )
    .option('--wasm <file>', 'the wasm32-wasi module')
    .option(
      '--onnx <file>',
      'an ONNX model, shipped with the job (its input: {"kind":"tensors","inputs":{...}})',
    )
    .option(
      '--tfjs <file>',
      'a TF.js model bundle, shipped with the job (its input: {"kind":"predict","inputs":{...}})',
    )
    .option('--args <args>', 'arguments, split on spaces')
    .option(
      '--arg <arg>',
      'one argument (repeatable, added after --args)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--input <file>', "the job's input: a module's stdin, a model's request JSON")
    .option('--max-price <grid>', 'most to pay, in GRID', '1')
    .option('--deadline <seconds>', 'seconds until the job must be done', '600')
    .option('--min-cores <n>', 'CPU cores the job needs', '1')
    .option('--min-ram-gb <gb>', 'memory the job needs (and may use at most), GiB', '0.25')
    .option('--min-vram-gb <gb>', 'GPU memory the job needs, GiB')
    .option('--gpu <class>', 'run on a GPU machine: any, or a class such as h100 or 4090')
    .option('--region <region>', 'run only in this region')
    .option('--max-rtt-ms <ms>', 'only providers within this round trip of the coordinator')
    .option('--max-seconds <s>', "the job's size: the longest it may run")
    .option('--min-reputation <0..1>', 'only providers with at least this reputation')
    .option('--verify <policy>', "none | sample:P | replicate:K | canary[:P] (default: the network's)")
    .option('--confidence <c>', 'ask for a trust level, like 0.999, and let the network pick the policy')
    .option('--no-wait', 'print the job id and return at once; the provider is paid once you run job pay ID')
    .option('--wait-for-capacity', 'wait while no provider can run the job, instead of stopping at once')
    .option('--no-pay', 'do not pay the provider after the job is accepted')
    .option(
      '--private',
      'seal the input and the output: only you and the providers leased to run it read them (WASM)',
    )
    .action(runJob);

  job
    .command('pay <id>')
    .description(
      'pay the provider of an accepted job you submitted (job run pays by itself unless --no-wait or --no-pay)',
    )
    .action(async (id: string, _options: unknown, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      const job = await getJob(ctx, await resolveJobId(ctx, id, ctx.signer.address));
      if (job.state !== 'accepted')
        throw new IdlegridError(
          'JOB_RESULT_UNAVAILABLE',
          `job ${job.id} is ${job.state}: only an accepted job is paid`,
          {
            details: { jobId: job.id, state: job.state },
          },
        );
      const { job: paid, payment } = await pay(ctx, out, job);
      out.result({ job: paid, payment }, () => `job ${paid.id} ${paid.state}`);
    });

  job
    .command('status <id>')
    .description("show a job's state")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { ctx, out, dataDir } = await readContext(command);
      const jobId = await resolveJobId(ctx, id);
      const [found, events, names] = await Promise.all([
        getJob(ctx, jobId),
        getJobEvents(ctx, jobId),
        knownNames(dataDir),
      ]);
      const placement = latestPlacement(events);
      out.result({ ...found, ...(placement ? { placement } : {}) }, () =>
        describeJob(found, names, placement),
      );
    });

  job
    .command('list')
    .description('list your jobs, newest first')
    .option('--state <states>', `only these states, comma-separated (${JOB_STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { state?: string; limit: string }, command: Command) => {
      const { ctx, out, dataDir } = await jobsContext(command);
      const states = options.state?.split(',').map((s) => s.trim()) ?? [];
      const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
      if (unknown.length)
        throw new IdlegridError('INVALID_ARGUMENT', `unknown job state: ${unknown.join(', ')}`);
      const [jobs, names] = await Promise.all([
        listJobs(ctx, {
          client: ctx.signer.address,
          states: states as JobState[],
          limit: integer(options.limit, '--limit'),
        }),
        knownNames(dataDir),
      ]);
      out.result(jobs, () =>
        jobs.length
          ? table([
              ['id', 'state', 'runtime', 'provider', 'price', 'updated'],
              ...jobs.map((j) => [
                j.id,
                j.state,
                runtimeOf(j),
                nameOrAddress(names, j.provider),
                j.price === null ? '-' : formatTokens(BigInt(j.price)),
                new Date(j.updatedAt).toISOString(),
              ]),
            ])
          : 'no jobs',
      );
    });

  job
    .command('cancel <id>')
    .description('cancel a job that has not finished')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      const cancelled = await cancelJob(ctx, await resolveJobId(ctx, id, ctx.signer.address));
      out.result(cancelled, () => `job ${cancelled.id} ${cancelled.state}`);
    });
}
