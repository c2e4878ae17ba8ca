import type { NetworkConfig } from '@idlegrid/sdk';
import type { NetworkParameterValues } from '../governance/api.js';
import { readNetworkParameters } from '../governance/read-parameters.js';

/** How often a coordinator re-reads what governance may have changed. */
export const GOVERNED_REFRESH_MS = 30_000;

/**
 * Follows the parameters governance owns (the stake floor, the default verification policy):
 * read once at start, then every `everyMs`, and handed to `apply` whenever they change. A
 * failed read keeps the last values (the chain may be briefly away) and is reported.
 */
export async function followGovernedParameters(
  network: NetworkConfig,
  apply: (values: NetworkParameterValues) => void,
  options: { everyMs?: number; onError?: (error: unknown) => void } = {},
): Promise<{ stop(): void }> {
  let last = await readNetworkParameters(network);
  apply(last);
  const timer = setInterval(() => {
    readNetworkParameters(network).then(
      (values) => {
        if (JSON.stringify(values) === JSON.stringify(last)) return;
        last = values;
        apply(values);
      },
      (error: unknown) => options.onError?.(error),
    );
  }, options.everyMs ?? GOVERNED_REFRESH_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
