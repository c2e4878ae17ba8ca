import type { Address } from 'viem';

/**
 * How the Governor and its timelock run. Times are seconds: the token's EIP-6372 clock is a
 * timestamp (see GridToken.sol).
 */
export interface GovernanceSettings {
  /** From a proposal to the start of its vote: time to delegate, read the forecast, and prepare. */
  votingDelaySeconds: number;
  votingPeriodSeconds: number;
  /** From a passed proposal's queueing to its earliest execution: time to leave before it applies. */
  timelockDelaySeconds: bigint;
  /** Votes (GRID base units) a proposer needs. */
  proposalThreshold: bigint;
  /** Share of the supply, in percent, that must vote for or abstain for a vote to count. */
  quorumPercent: number;
}

/** The economic parameters at deployment; the governance timelock owns them from then on. */
export interface NetworkParameters {
  /** Whole token supply, minted once to the treasury. */
  tokenSupply: bigint;
  treasury: Address;
  /** Address granted the verifier role (it must also register as a coordinator to slash). */
  verifier: Address;
  /** Protocol fee on redeemed vouchers, in basis points (at most 1,000 = 10%). */
  feeBps: number;
  /** How long a client waits between asking to withdraw unspent funds and getting them. */
  withdrawTimelockSeconds: bigint;
  /** How long a provider's unbonding stake, or a leaving coordinator's bond, stays locked. */
  unbondingDelaySeconds: bigint;
  /** The bond a coordinator needs to be active in the CoordinatorRegistry. */
  coordinatorMinStake: bigint;
  /** Share of a slash paid to whoever proved the fault, in basis points; the rest goes to the treasury. */
  challengerShareBps: number;
  /** A job of value V needs V times this much bonded stake. */
  stakeFloorMultiplier: number;
  governance: GovernanceSettings;
}

export const TOKEN_DECIMALS = 18;
export const ONE_TOKEN = 10n ** 18n;

export function defaultParameters(treasury: Address, verifier: Address = treasury): NetworkParameters {
  return {
    tokenSupply: 1_000_000_000n * ONE_TOKEN,
    treasury,
    verifier,
    feeBps: 100,
    withdrawTimelockSeconds: 24n * 3600n,
    unbondingDelaySeconds: 7n * 24n * 3600n,
    coordinatorMinStake: 10_000n * ONE_TOKEN,
    challengerShareBps: 5_000,
    stakeFloorMultiplier: 10,
    governance: PUBLIC_GOVERNANCE,
  };
}

/** For a public network: a day to prepare, a week to vote, two days before a change applies. */
export const PUBLIC_GOVERNANCE: GovernanceSettings = {
  votingDelaySeconds: 86_400,
  votingPeriodSeconds: 7 * 86_400,
  timelockDelaySeconds: 2n * 86_400n,
  proposalThreshold: 100_000n * ONE_TOKEN,
  quorumPercent: 4,
};

/** For a local network, where one person plays every voter: a proposal runs its course in minutes. */
export const LOCALNET_GOVERNANCE: GovernanceSettings = {
  votingDelaySeconds: 10,
  votingPeriodSeconds: 120,
  timelockDelaySeconds: 30n,
  proposalThreshold: 0n,
  quorumPercent: 4,
};
