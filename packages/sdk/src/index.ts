export { type Balances, getBalances } from './accounts/balances.js';
export {
  accountFromPrivateKey,
  createKey,
  keysDir,
  listKeys,
  loadKey,
  loadOrCreateKey,
} from './accounts/keystore.js';
export { type ChainContext, connect, type SignerContext } from './network/connect.js';
export {
  type NetworkConfig,
  networkConfigPath,
  readNetworkConfig,
  writeNetworkConfig,
} from './network/network-config.js';
export { deposit } from './payments/deposit.js';
export { authorizeSessionKey, revokeSessionKey } from './payments/session-keys.js';
export { signVoucher, type VoucherRequest } from './payments/sign-voucher.js';
export { cancelWithdraw, requestWithdraw, withdraw } from './payments/withdraw.js';
