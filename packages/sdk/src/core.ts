/**
 * The SDK's core, for processes that must start fast (a provider, the CLI's commands): keys, the
 * network's config, a chain connection, the coordinator's HTTP client and fresh nonces. Without
 * the job, feed and federated-learning clients that the package's root also loads.
 */
export { loadPrivateKey } from './accounts/key-files.js';
export { loadOrCreateKey } from './accounts/keystore.js';
export { CoordinatorClient } from './http/coordinator-client.js';
export { randomNonce } from './jobs/job-spec.js';
export { connect } from './network/connect.js';
export { readNetworkConfig } from './network/network-config.js';
