import type { Address } from 'viem';

/** The economic parameters fixed at deployment (governance will change them later). */
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
  };
}
