export { type Anvil, type AnvilOptions, LOCAL_CHAIN_ID, startAnvil } from './chain/anvil.js';
export { anvilBinaryPath } from './chain/anvil-binary.js';
export {
  type ChainPublicClient,
  type ChainWalletClient,
  chainOf,
  publicClientFor,
  walletClientFor,
} from './chain/clients.js';
export { decodeRevert, toIdlegridError } from './chain/contract-errors.js';
export { type ContractWrite, type SentTransaction, sendContractTx } from './chain/send.js';
export { assertDeployed, deployNetwork, type NetworkContracts, VERIFIER_ROLE } from './deploy/deploy.js';
export { defaultParameters, type NetworkParameters, ONE_TOKEN, TOKEN_DECIMALS } from './deploy/parameters.js';
export {
  coordinatorRegistryAbi,
  coordinatorRegistryBytecode,
  gridTokenAbi,
  gridTokenBytecode,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  stakingAbi,
  stakingBytecode,
} from './generated/artifacts.js';
export { type PermitRequest, type PermitSigner, signPermit } from './token/permit.js';
