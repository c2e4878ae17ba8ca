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
export { CANCELLER_ROLE, PROPOSER_ROLE } from './deploy/deploy-governance.js';
export {
  defaultParameters,
  type GovernanceSettings,
  LOCALNET_GOVERNANCE,
  type NetworkParameters,
  ONE_TOKEN,
  PUBLIC_GOVERNANCE,
  TOKEN_DECIMALS,
} from './deploy/parameters.js';
export {
  coordinatorRegistryAbi,
  coordinatorRegistryBytecode,
  gridGovernorAbi,
  gridGovernorBytecode,
  gridTokenAbi,
  gridTokenBytecode,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  stakingAbi,
  stakingBytecode,
  timelockControllerAbi,
  timelockControllerBytecode,
} from './generated/artifacts.js';
export { type PermitRequest, type PermitSigner, signPermit } from './token/permit.js';
