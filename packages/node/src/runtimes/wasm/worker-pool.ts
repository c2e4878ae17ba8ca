import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { IdlegridError } from '@idlegrid/protocol';
import { WORKER_SOURCE, type WorkerInput, type WorkerOutput } from './worker-source.js';

export type Outcome = { ok: true; output: WorkerOutput } | { ok: false; error: IdlegridError };

export interface WorkerPoolOptions {
  /** Idle workers kept per heap limit; more are terminated once done (default: the core count). */
  maxIdlePerKey?: number;
  /** Runs after which a worker is replaced, to bound what its heap accumulates (default 1,000). */
  maxRunsPerWorker?: number;
  /**
   * How long a worker past the first of its heap limit stays idle before it ends (default 60 s):
   * a burst's workers (tens of MB each) are given back once it is over, one stays warm.
   */
  idleTimeoutMs?: number;
  /**
   * How long a run waits for a busy worker of its heap limit to finish before it starts another
   * (default 40 ms, about what starting one costs here: 33-44 ms, and tens of MB). Waiting as
   * long as a start costs is never more than twice as slow as the best choice made knowing how
   * long the busy run has left (the rent-or-buy rule), and short jobs that merely overlap, or
   * finish while a busy machine delays them, do not grow the pool. Jobs that run longer get a
   * worker each, 40 ms late.
   */
  growAfterMs?: number;
}

export interface WorkerPoolStats {
  /** Workers started since the pool was made. */
  spawned: number;
  idle: number;
  busy: number;
  /** Tasks run, whatever their outcome. */
  runs: number;
}

export interface PoolTask {
  input: WorkerInput;
  /** The worker's JS heap limit (`maxOldGenerationSizeMb`); idle workers are kept per value. */
  heapMb: number;
  wallTimeMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Warm wasm workers, so that a run costs a message rather than a thread start. Each task gets a
 * worker of its heap limit to itself, spawned when none is idle (the provider caps concurrency).
 * A worker goes back to the pool only after a normal result (an exit or a trap); a timeout, an
 * abort or a crash ends it. Idle workers are unref'd: they never keep the process alive, and
 * those past one per heap limit end after `idleTimeoutMs`.
 */
export class WorkerPool {
  readonly #maxIdle: number;
  readonly #maxRuns: number;
  readonly #idleTimeoutMs: number;
  readonly #growAfterMs: number;
  readonly #idle = new Map<number, PooledWorker[]>();
  readonly #busy = new Set<PooledWorker>();
  /** Runs waiting for a busy worker of their heap limit, first come first served. */
  readonly #waiting = new Map<number, Array<(worker: PooledWorker) => void>>();
  /** Surplus workers being terminated; `close` waits for them too. */
  readonly #retiring = new Set<Promise<unknown>>();
  #spawned = 0;
  #runs = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.#maxIdle = options.maxIdlePerKey ?? availableParallelism();
    this.#maxRuns = options.maxRunsPerWorker ?? 1000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.#growAfterMs = options.growAfterMs ?? 40;
  }

  /**
   * Runs one task. On a timeout, an abort or a crash the outcome is an error and the worker has
   * exited by the time this resolves, so the caller may close what it left open.
   */
  async run({ input, heapMb, wallTimeMs, signal }: PoolTask): Promise<Outcome> {
    if (this.#closed) return { ok: false, error: closedError() };
    // An abort while the caller prepared the run would otherwise go unnoticed.
    if (signal?.aborted) return { ok: false, error: abortedError(signal) };
    const handed = this.#idleOf(heapMb).pop() ?? (await this.#soonFree(heapMb));
    // The wait may have outlived the pool or the caller's interest.
    if (this.#closed || signal?.aborted) {
      if (handed) this.#retire(handed);
      return { ok: false, error: this.#closed ? closedError() : abortedError(signal!) };
    }
    const worker = handed ?? this.#spawn(heapMb);
    clearTimeout(worker.idleTimer);
    this.#busy.add(worker);
    worker.thread.ref();
    const outcome = await worker.execute(input, wallTimeMs, signal);
    this.#busy.delete(worker);
    this.#runs++;
    const idle = this.#idleOf(heapMb);
    const reusable = outcome.ok && !this.#closed && ++worker.runs < this.#maxRuns;
    const waiter = reusable ? this.#waiting.get(heapMb)?.shift() : undefined;
    if (waiter) {
      waiter(worker);
    } else if (reusable && idle.length < this.#maxIdle) {
      this.#park(worker, heapMb);
    } else if (outcome.ok) {
      // A healthy worker closed its task's descriptors already: no need to hold the result back.
      this.#retire(worker);
    } else {
      await worker.thread.terminate();
    }
    return outcome;
  }

  /** A busy worker of `heapMb` handed over as it finishes within `growAfterMs`; undefined when none does. */
  #soonFree(heapMb: number): Promise<PooledWorker | undefined> {
    const busy = [...this.#busy].some((worker) => worker.heapMb === heapMb);
    if (!busy || this.#growAfterMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(heapMb) ?? [];
      this.#waiting.set(heapMb, waiting);
      const take = (worker: PooledWorker) => {
        clearTimeout(timer);
        resolve(worker);
      };
      // After a stall of this thread the timer fires before the finished worker's message is
      // read: that message is handled first (setImmediate runs after it), so a stall does not
      // grow the pool by a worker that finished long ago.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            const at = waiting.indexOf(take);
            if (at < 0) return; // handed a worker meanwhile
            waiting.splice(at, 1);
            resolve(undefined);
          }),
        this.#growAfterMs,
      );
      waiting.push(take);
    });
  }

  /** Starts an idle worker for `heapMb` unless one is there, so the first run does not wait. */
  prewarm(heapMb: number): void {
    const idle = this.#idleOf(heapMb);
    if (this.#closed || idle.length > 0) return;
    this.#park(this.#spawn(heapMb), heapMb);
  }

  stats(): WorkerPoolStats {
    let idle = 0;
    for (const workers of this.#idle.values()) idle += workers.length;
    return { spawned: this.#spawned, idle, busy: this.#busy.size, runs: this.#runs };
  }

  /** Terminates every worker; running tasks end with ABORTED, later ones fail at once. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = [...this.#busy, ...[...this.#idle.values()].flat()];
    for (const worker of workers) clearTimeout(worker.idleTimer);
    this.#idle.clear();
    await Promise.all([...workers.map((worker) => worker.stop(closedError())), ...this.#retiring]);
  }

  /** Puts a worker among the idle ones, to end once idle too long unless it is the last of its heap limit. */
  #park(worker: PooledWorker, heapMb: number): void {
    worker.thread.unref();
    this.#idleOf(heapMb).push(worker);
    worker.idleTimer = setTimeout(() => {
      const idle = this.#idleOf(heapMb);
      const at = idle.indexOf(worker);
      // The most recently used stay warm: the list's end is where runs take workers from.
      if (at < 0 || idle.length <= 1) return;
      idle.splice(at, 1);
      this.#retire(worker);
    }, this.#idleTimeoutMs);
    worker.idleTimer.unref();
  }

  /** Ends a worker without waiting for it; `close` does. */
  #retire(worker: PooledWorker): void {
    const retiring: Promise<unknown> = worker.thread.terminate().then(() => this.#retiring.delete(retiring));
    this.#retiring.add(retiring);
  }

  #idleOf(heapMb: number): PooledWorker[] {
    let idle = this.#idle.get(heapMb);
    if (!idle) {
      idle = [];
      this.#idle.set(heapMb, idle);
    }
    return idle;
  }

  #spawn(heapMb: number): PooledWorker {
    this.#spawned++;
    return new PooledWorker(heapMb, (gone) => {
      // An idle worker that died on its own (it should not) must not be handed out.
      const idle = this.#idle.get(heapMb);
      const at = idle?.indexOf(gone) ?? -1;
      if (at >= 0) idle!.splice(at, 1);
    });
  }
}

/** A worker thread and the task it runs now, if any. */
class PooledWorker {
  readonly thread: Worker;
  readonly heapMb: number;
  runs = 0;
  /** While idle: ends the worker once idle too long. */
  idleTimer: NodeJS.Timeout | undefined;
  #settle: ((outcome: Outcome) => void) | undefined;

  constructor(heapMb: number, onExit: (worker: PooledWorker) => void) {
    this.heapMb = heapMb;
    this.thread = new Worker(WORKER_SOURCE, {
      eval: true,
      env: {},
      // Nothing reads the worker's stdio, and once any data arrives there (node:wasi's experimental
      // warning would) Node keeps the worker referenced, so an idle one would hold the process open.
      execArgv: ['--no-warnings'],
      stdout: true,
      stderr: true,
      // The JS heap of the worker only holds captured output; linear memory is capped in the binary.
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    // Listeners for the worker's whole life: an idle worker's 'error' must not go unhandled.
    this.thread.on('message', (output: WorkerOutput) => this.#finish({ ok: true, output }));
    this.thread.on('error', (error: Error & { code?: string }) =>
      this.#finish({
        ok: false,
        error:
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new IdlegridError('WASM_MEMORY_LIMIT', 'the worker ran out of heap memory', { cause: error })
            : new IdlegridError('INTERNAL', `wasm worker failed: ${error.message}`, { cause: error }),
      }),
    );
    this.thread.on('exit', (code) => {
      onExit(this);
      this.#finish({
        ok: false,
        error: new IdlegridError('INTERNAL', `wasm worker exited (${code}) without a result`),
      });
    });
  }

  /** Posts one task; the wall-time limit and the signal end it with an error (the caller terminates). */
  execute(input: WorkerInput, wallTimeMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const onAbort = () => this.#finish({ ok: false, error: abortedError(signal!) });
      const timer = setTimeout(
        () =>
          this.#finish({
            ok: false,
            error: new IdlegridError('WASM_TIMEOUT', `module ran longer than ${wallTimeMs} ms`, {
              details: { wallTimeMs },
            }),
          }),
        wallTimeMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#settle = (outcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      this.thread.postMessage(input);
    });
  }

  /** Ends the current task, if any, with `error`, and the thread. */
  async stop(error: IdlegridError): Promise<void> {
    this.#finish({ ok: false, error });
    await this.thread.terminate();
  }

  #finish(outcome: Outcome): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(outcome);
  }
}

export function abortedError(signal: AbortSignal): IdlegridError {
  return new IdlegridError('ABORTED', 'wasm run aborted', { cause: signal.reason });
}

function closedError(): IdlegridError {
  return new IdlegridError('ABORTED', 'the wasm worker pool is closed');
}
