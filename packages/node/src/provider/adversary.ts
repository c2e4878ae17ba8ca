import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import type { Hardware } from './hardware.js';
import { type JobOutput, outputOf } from './job-runner.js';

/**
 * Cheating providers, for the verification tests and benchmarks: never on unless asked for
 * (`startProvider({ adversary })`, `idlegrid provider start --adversary ...`).
 * - `wrong:P`: runs the job, then returns a corrupted answer on a share P of jobs (1: always);
 *   an LLM answer is replaced by a well-formed one the model would not give (see `llmLie`);
 * - `lazy`: does not run the job at all and returns the last answer it gave (or an empty one),
 *   as a provider that collects payment without working would;
 * - `collude:DIR`: a ring of providers sharing the folder DIR (their side channel): the first
 *   to get a job runs it and leaves a corrupted answer there, the others copy it without
 *   running, so that the ring agrees on one wrong answer;
 * - `no-reveal`: commits to its answers like an honest replica, then never reveals them;
 * - `poison-signflip`, `poison-scale`, `poison-labelflip`: federated runs only (fl/poison.ts);
 * - `fl-drop`: in a secure federated round, shares its keys, then vanishes before its masked
 *   update (the dropout that secure aggregation must survive);
 * - `fake-cores:K`: offers K times the cores it has (proof of hardware must catch it);
 * - `fake-gpu`: offers an H100 it does not have, and answers GPU challenges on its CPU;
 * - `sybil:N`: N provider identities in one process, each offering the whole machine
 *   (`idlegrid provider start` starts them; sybil detection must find them).
 */
export type Adversary =
  | { kind: 'wrong'; rate: number }
  | { kind: 'lazy' }
  | { kind: 'collude'; dir: string }
  | { kind: 'no-reveal' }
  | { kind: 'poison'; mode: PoisonMode }
  | { kind: 'fl-drop' }
  | { kind: 'fake-cores'; factor: number }
  | { kind: 'fake-gpu' }
  | { kind: 'sybil'; identities: number };

export const POISON_MODES = ['signflip', 'scale', 'labelflip'] as const;
export type PoisonMode = (typeof POISON_MODES)[number];

const USAGE =
  'use wrong, wrong:P (0 < P <= 1), lazy, collude:DIR, no-reveal, poison-signflip, poison-scale, poison-labelflip, fl-drop, fake-cores:K (K > 1), fake-gpu or sybil:N (N > 1)';

export function parseAdversary(text: string): Adversary {
  const value = text.trim();
  if (value === 'lazy' || value === 'no-reveal' || value === 'fl-drop' || value === 'fake-gpu')
    return { kind: value };
  const sybil = /^sybil:([0-9]+)$/.exec(value);
  if (sybil && Number(sybil[1]) > 1 && Number(sybil[1]) <= 64)
    return { kind: 'sybil', identities: Number(sybil[1]) };
  const inflated = /^fake-cores:([0-9]+)$/.exec(value);
  if (inflated && Number(inflated[1]) > 1) return { kind: 'fake-cores', factor: Number(inflated[1]) };
  const poison = POISON_MODES.find((mode) => value === `poison-${mode}`);
  if (poison) return { kind: 'poison', mode: poison };
  if (value.startsWith('collude:') && value.length > 'collude:'.length) {
    return { kind: 'collude', dir: value.slice('collude:'.length) };
  }
  const match = /^wrong(?::([0-9.]+))?$/.exec(value);
  const rate = match ? Number(match[1] ?? 1) : Number.NaN;
  if (!(rate > 0 && rate <= 1)) {
    throw new IdlegridError('INVALID_ARGUMENT', `invalid adversary "${text}": ${USAGE}`);
  }
  return { kind: 'wrong', rate };
}

/** An adversary's stand-in for an honest run's output. */
export class Cheater {
  #lastStdout: JobOutput['stdout'] = new Uint8Array();

  constructor(
    readonly adversary: Adversary,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether it keeps its answers to itself once committed. */
  get withholdsReveals(): boolean {
    return this.adversary.kind === 'no-reveal';
  }

  /** Cheaters that skip the run give this answer instead; the others run the job (undefined). */
  async instead(jobId: string): Promise<JobOutput | undefined> {
    if (this.adversary.kind === 'lazy') return answer(jobId, 0, this.#lastStdout);
    if (this.adversary.kind !== 'collude') return undefined;
    const shared = await readFile(join(this.adversary.dir, jobFile(jobId)), 'utf8').catch(() => undefined);
    if (shared === undefined) return undefined;
    const { exitCode, stdout } = JSON.parse(shared) as { exitCode: number; stdout: string };
    return answer(jobId, exitCode, Buffer.from(stdout, 'base64'));
  }

  /** After a run: the output as the cheater reports it. */
  async tamper(output: JobOutput): Promise<JobOutput> {
    this.#lastStdout = output.stdout;
    const { kind } = this.adversary;
    if ((kind !== 'wrong' && kind !== 'collude') || output.manifest.exitCode !== 0) return output;
    if (this.adversary.kind === 'wrong' && this.random() >= this.adversary.rate) return output;
    const { exitCode, stdoutTruncated, stderrTruncated, durationMs, tokens } = output.manifest;
    const lie = outputOf(output.manifest.jobId, {
      exitCode,
      stdout: llmLie(output.stdout) ?? new Uint8Array([...output.stdout, ...new TextEncoder().encode('!')]),
      ...(tokens === undefined ? {} : { tokens }),
      stderr: output.stderr,
      stdoutTruncated,
      stderrTruncated,
      durationMs,
    });
    if (this.adversary.kind === 'collude') await share(this.adversary.dir, lie);
    return lie;
  }
}

function answer(jobId: string, exitCode: number, stdout: Uint8Array): JobOutput {
  return outputOf(jobId, {
    exitCode,
    stdout,
    stderr: new Uint8Array(),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 1,
  });
}

/** Leaves the ring's answer for the others, whole or not at all (written aside, then renamed). */
async function share(dir: string, output: JobOutput): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, jobFile(output.manifest.jobId));
  const body = JSON.stringify({
    exitCode: output.manifest.exitCode,
    stdout: Buffer.from(output.stdout).toString('base64'),
  });
  await writeFile(`${file}.${process.pid}.tmp`, body);
  await rename(`${file}.${process.pid}.tmp`, file);
}

function jobFile(jobId: string): string {
  return `${jobId.toLowerCase()}.json`;
}

/**
 * An LLM answer made up to pass a glance: well-formed, its text still what its tokens spell
 * (both reversed), the same usage; only the model would not have said it. Undefined for any
 * other output.
 */
function llmLie(stdout: Uint8Array): Uint8Array | undefined {
  try {
    const answer = JSON.parse(new TextDecoder().decode(stdout)) as {
      kind?: string;
      text?: string;
      tokens?: number[];
    };
    if (
      (answer.kind !== 'chat' && answer.kind !== 'completion') ||
      !answer.tokens ||
      answer.text === undefined
    ) {
      return undefined;
    }
    const lie = {
      ...answer,
      text: [...answer.text].reverse().join(''),
      tokens: [...answer.tokens].reverse(),
    };
    return new TextEncoder().encode(JSON.stringify(lie));
  } catch {
    return undefined;
  }
}

/** What `fake-gpu` claims to have: the card fake GPU farms claimed most. */
export const FAKE_GPU = { name: 'NVIDIA H100 80GB HBM3', vramMb: 81_559 };

/** The hardware a provider offers: what it has, or more when it is an adversary that lies about it. */
export function claimedHardware(hardware: Hardware, adversary: Adversary | undefined): Hardware {
  if (adversary?.kind === 'fake-cores')
    return { ...hardware, cpuCores: hardware.cpuCores * adversary.factor };
  if (adversary?.kind === 'fake-gpu') return { ...hardware, gpus: [FAKE_GPU] };
  return hardware;
}
