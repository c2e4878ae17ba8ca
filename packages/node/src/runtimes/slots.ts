import { IdlegridError } from '@idlegrid/protocol';

/**
 * A counting semaphore whose waiters can give up: a model serves a fixed number of requests at
 * once (an llm context's sequences, an onnx session's one run), and a request waiting for its
 * turn must leave the queue when its job is cancelled.
 */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new IdlegridError('INVALID_ARGUMENT', 'slots need a positive size', { details: { size } });
    }
    this.#free = size;
  }

  async use<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Takes a slot, waiting in turn; a waiter whose signal aborts leaves the queue. Pair with `release`. */
  acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abandon);
        resolve();
      };
      const abandon = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.#waiting.push(grant);
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
