/**
 * Every stable error code of idlegrid. Codes never change meaning once released; each is
 * documented in docs/errors.md (a test enforces it). Add new codes here, grouped by domain.
 */
export const ERROR_CODES = [
  // generic
  'INTERNAL',
  'INVALID_ARGUMENT',
  'ABORTED',
  // protocol messages
  'MESSAGE_INVALID',
  'MESSAGE_UNKNOWN_KIND',
  'SIGNATURE_INVALID',
  'SIGNER_MISMATCH',
  'MESSAGE_EXPIRED',
  'MESSAGE_EXPIRY_TOO_FAR',
  'MESSAGE_REPLAYED',
  'CHAIN_MISMATCH',
  // content addressing
  'CID_INVALID',
  'CID_MISMATCH',
  // chain and contracts
  'CHAIN_UNAVAILABLE',
  'CHAIN_START_FAILED',
  'CONTRACTS_NOT_DEPLOYED',
  'TRANSACTION_REVERTED',
  'INSUFFICIENT_FUNDS',
  'VOUCHER_SIGNATURE_INVALID',
  'VOUCHER_REPLAYED',
  'VOUCHER_EXPIRED',
  'VOUCHER_WRONG_PROVIDER',
  'VOUCHER_NOTHING_TO_REDEEM',
  'SESSION_KEY_EXPIRED',
  'SESSION_KEY_CAP_EXCEEDED',
  'WITHDRAW_LOCKED',
  'STAKE_INSUFFICIENT',
  'NOT_AUTHORIZED',
  // wallets and configuration
  'KEY_NOT_FOUND',
  'KEY_INVALID',
  'KEY_EXISTS',
  'KEY_PERMISSIONS_TOO_OPEN',
  'CONFIG_INVALID',
  'NETWORK_NOT_CONFIGURED',
  'FAUCET_UNAVAILABLE',
  // jobs and their store
  'JOB_NOT_FOUND',
  'JOB_EXISTS',
  'JOB_INVALID_TRANSITION',
  'JOB_CONFLICT',
  'STORE_UNAVAILABLE',
  // artifacts
  'ARTIFACT_NOT_FOUND',
  'ARTIFACT_TOO_LARGE',
  // HTTP API
  'ROUTE_NOT_FOUND',
  // peer-to-peer network
  'P2P_NOT_STARTED',
  'P2P_UNREACHABLE',
  'P2P_TIMEOUT',
  'P2P_FRAME_TOO_LARGE',
  'P2P_FRAME_INVALID',
  'P2P_NO_HANDLER',
  'P2P_REMOTE_ERROR',
  'P2P_PEER_KEY_UNSUPPORTED',
  // runtimes
  'WASM_INVALID_MODULE',
  'WASM_FORBIDDEN_IMPORT',
  'WASM_MEMORY_LIMIT',
  'WASM_TIMEOUT',
  'WASM_TRAP',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
