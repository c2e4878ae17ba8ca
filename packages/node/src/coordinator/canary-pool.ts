import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobSpec } from '@idlegrid/protocol';
import { type PlainOutcome, sha256Hex } from '@idlegrid/protocol/privacy';
import { readExampleModule, wasmDemoJobs } from '../localnet/demo-workload.js';
import { runJob } from '../provider/job-runner.js';
import { type ArtifactAccess, RuntimeSet } from '../provider/runtime-set.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { outcomeDigest } from '../verify/compare.js';

/** A job whose answer the network knows: what a provider is sent, and the outcome it must give. */
export interface KnownAnswer {
  label: string;
  moduleCid: string;
  inputCids: string[];
  args: string[];
  /** `outcomeDigest` of the right answer. */
  digest: string;
  /** The right answer's plain outcome: what a private canary's salted outcome is computed from. */
  plain: PlainOutcome;
}

export interface CanaryTask {
  label: string;
  module: Uint8Array;
  args: string[];
  stdin?: Uint8Array;
}

/**
 * Known-answer WASM jobs for the `canary` policy. Each task is stored as artifacts (providers
 * fetch it like any job) and run once, here, by the same code a provider runs (`runJob`), so
 * its answer is known without trusting anyone; the answers are learnt on first use. A network
 * should load private tasks of its own: shipped ones can be recognised by their module CID.
 */
export class CanaryPool {
  #known: Promise<KnownAnswer[]> | undefined;

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly tasks: () => Promise<CanaryTask[]>,
  ) {}

  /** One known-answer job at random, or undefined if the pool is empty. */
  async pick(random: () => number = Math.random): Promise<KnownAnswer | undefined> {
    this.#known ??= this.#learn();
    const known = await this.#known;
    return known[Math.floor(random() * known.length)];
  }

  async #learn(): Promise<KnownAnswer[]> {
    const scratch = await mkdtemp(join(tmpdir(), 'idlegrid-canaries-'));
    const runtimes = await RuntimeSet.create({
      scratchParent: scratch,
      maxIdleWorkers: 1,
      withoutModels: true,
    });
    const artifacts: ArtifactAccess = {
      bytes: (cid) => this.artifacts.bytes(cid),
      file: (cid) => this.artifacts.path(cid),
    };
    try {
      const known: KnownAnswer[] = [];
      for (const task of await this.tasks()) {
        const moduleCid = (await this.artifacts.put(task.module)).cid;
        const inputCids = task.stdin ? [(await this.artifacts.put(task.stdin)).cid] : [];
        const spec = canarySpecShape({ moduleCid, inputCids, args: task.args });
        const output = await runJob({
          spec,
          artifacts,
          runtimes,
          signal: AbortSignal.timeout(60_000),
          maxWallTimeMs: 60_000,
        });
        // A task that does not run cleanly here has no answer worth checking anyone against.
        if (output.manifest.exitCode !== 0) continue;
        known.push({
          label: task.label,
          moduleCid,
          inputCids,
          args: task.args,
          digest: outcomeDigest(output.manifest),
          plain: {
            exitCode: output.manifest.exitCode,
            stdoutSha256: sha256Hex(output.stdout),
            stdoutTruncated: output.manifest.stdoutTruncated,
            errorCode: '',
          },
        });
      }
      return known;
    } finally {
      await runtimes.close();
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

/** The shipped example jobs (primes, hash chains, image blurs) as canary tasks. */
export async function exampleCanaryTasks(): Promise<CanaryTask[]> {
  return Promise.all(
    (await wasmDemoJobs()).map(async (job) => ({
      label: job.label,
      module: await readExampleModule(job.module),
      args: job.args,
      ...(job.stdin ? { stdin: job.stdin } : {}),
    })),
  );
}

/** A job spec carrying a known-answer task; the caller fills in who and when. */
export function canarySpecShape(task: Pick<KnownAnswer, 'moduleCid' | 'inputCids' | 'args'>): JobSpec {
  return {
    client: '0x0000000000000000000000000000000000000000',
    jobId: `0x${'0'.repeat(64)}`,
    runtime: 'wasm',
    moduleCid: task.moduleCid,
    inputCids: task.inputCids,
    args: task.args,
    cpuCores: 1,
    memoryMb: 64,
    vramMb: 0,
    gpuClass: '',
    maxPrice: 0n,
    deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
    region: '',
    maxRttMs: 0,
    maxSeconds: 60,
    minReputation: 0,
    verification: '',
    privacy: '',
    nonce: 0n,
    expiry: BigInt(Math.floor(Date.now() / 1000) + 600),
  };
}
