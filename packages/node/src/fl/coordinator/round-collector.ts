/**
 * When a round stops waiting: every sampled provider answered, or the round's timeout passed, or
 * the minimum of updates is in and the rest are stragglers, given half as long again as the round
 * has taken so far (at least a second) before they are dropped, unpaid.
 */
export async function collectUpdates<T>(
  requests: readonly { provider: string; answer: Promise<T> }[],
  options: { minimum: number; timeoutMs: number; now: () => number; signal?: AbortSignal },
): Promise<{ answers: Map<string, T>; failures: Map<string, unknown>; dropped: string[] }> {
  const answers = new Map<string, T>();
  const failures = new Map<string, unknown>();
  const started = options.now();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const timer = setTimeout(() => finish(), options.timeoutMs);
  let graceTimer: NodeJS.Timeout | undefined;
  const settle = () => {
    if (answers.size + failures.size === requests.length) finish();
    else if (answers.size >= options.minimum && graceTimer === undefined) {
      const grace = Math.max(1_000, (options.now() - started) / 2);
      graceTimer = setTimeout(() => finish(), grace);
    }
  };
  for (const { provider, answer } of requests)
    answer.then(
      (value) => {
        answers.set(provider, value);
        settle();
      },
      (error: unknown) => {
        failures.set(provider, error);
        settle();
      },
    );
  const onAbort = () => finish();
  options.signal?.addEventListener('abort', onAbort);
  if (requests.length === 0) finish();
  await done;
  clearTimeout(timer);
  clearTimeout(graceTimer);
  options.signal?.removeEventListener('abort', onAbort);
  // A snapshot: answers arriving later are stragglers' and are not taken.
  const taken = new Map(answers);
  const failed = new Map(failures);
  const dropped = requests.map((r) => r.provider).filter((p) => !taken.has(p) && !failed.has(p));
  return { answers: taken, failures: failed, dropped };
}
