/**
 * The provider's entry (`@idlegrid/node/provider`): what `idlegrid provider` needs and nothing of
 * the coordinator (HTTP server, job store, scheduler), so that a provider loads a third of the code.
 */
export { parseAdversary } from './adversary.js';
export type { ProviderDaemon, ProviderEvent, ProviderOptions } from './api.js';
export { formatAvailability, parseAvailability } from './availability.js';
export { startProvider } from './daemon.js';
export { EarningsWallet } from './earnings.js';
