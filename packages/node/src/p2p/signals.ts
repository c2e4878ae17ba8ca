import { IdlegridError } from '@idlegrid/protocol';

/** Rejects with the signal's reason as soon as it aborts; otherwise settles like `promise`. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface Deadline {
  /** Aborts with P2P_TIMEOUT after the timeout, or with ABORTED when the caller's signal aborts. */
  signal: AbortSignal;
  dispose(): void;
}

export function deadline(timeoutMs: number, parent: AbortSignal | undefined, what: string): Deadline {
  const controller = new AbortController();
  const onParentAbort = () =>
    controller.abort(new IdlegridError('ABORTED', `${what} was aborted`, { cause: parent?.reason }));
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      new IdlegridError('P2P_TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { details: { timeoutMs } }),
    );
  }, timeoutMs);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
