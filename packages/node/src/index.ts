export { chainStatePath, mintGas, startEmbeddedChain } from './chain/embedded-chain.js';
export { ensureNetwork, FUNDER_KEY_NAME, type RunningNetwork } from './chain/ensure-network.js';
export { type FaucetGrant, fundFromFaucet } from './chain/faucet.js';
export { redeemVouchers } from './chain/redeem-vouchers.js';
export { stake } from './chain/stake.js';
export { DEFAULTS, defaultDataDir, loadConfig, type NodeConfig } from './config/config.js';
export {
  LOCALNET_GRANTS,
  type Localnet,
  type LocalnetOptions,
  type LocalnetParty,
  startLocalnet,
} from './localnet/localnet.js';
export { type ProviderPayment, payProviders } from './localnet/pay-providers.js';
