import { IdlegridError } from '@idlegrid/protocol';
import { type JobOutput, outputOf } from './job-runner.js';

/**
 * Cheating providers, for the verification tests and benchmarks: never on unless asked for
 * (`startProvider({ adversary })`, `idlegrid provider start --adversary ...`).
 * - `wrong:P`: runs the job, then returns a corrupted answer on a share P of jobs (1: always);
 * - `lazy`: does not run the job at all and returns the last answer it gave (or an empty one),
 *   as a provider that collects payment without working would.
 */
export type Adversary = { kind: 'wrong'; rate: number } | { kind: 'lazy' };

export function parseAdversary(text: string): Adversary {
  const value = text.trim();
  if (value === 'lazy') return { kind: 'lazy' };
  const match = /^wrong(?::([0-9.]+))?$/.exec(value);
  const rate = match ? Number(match[1] ?? 1) : Number.NaN;
  if (!(rate > 0 && rate <= 1)) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `invalid adversary "${text}": use wrong, wrong:P (0 < P <= 1) or lazy`,
    );
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

  /** Lazy cheaters skip the run: this answer replaces it. Others run the job (undefined). */
  instead(jobId: string): JobOutput | undefined {
    if (this.adversary.kind !== 'lazy') return undefined;
    return outputOf(jobId, {
      exitCode: 0,
      stdout: this.#lastStdout,
      stderr: new Uint8Array(),
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 1,
    });
  }

  /** After an honest run: the output as the cheater reports it. */
  tamper(output: JobOutput): JobOutput {
    this.#lastStdout = output.stdout;
    if (this.adversary.kind !== 'wrong' || output.manifest.exitCode !== 0) return output;
    if (this.random() >= this.adversary.rate) return output;
    const { exitCode, stdoutTruncated, stderrTruncated, durationMs } = output.manifest;
    return outputOf(output.manifest.jobId, {
      exitCode,
      stdout: new Uint8Array([...output.stdout, ...new TextEncoder().encode('!')]),
      stderr: output.stderr,
      stdoutTruncated,
      stderrTruncated,
      durationMs,
    });
  }
}
