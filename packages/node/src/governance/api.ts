import type { Address, Hex } from 'viem';
import type { VerificationPolicy } from '../verify/policy.js';

/** The network parameters the governance timelock owns, as the chain holds them now. */
export interface NetworkParameterValues {
  /** Protocol fee on redemptions, basis points. */
  feeBps: number;
  /** A job of value V needs V times this much bonded stake, and a caught cheat is slashed as much. */
  stakeFloorMultiplier: number;
  unbondingDelaySeconds: number;
  /** Share of a slash paid to the challenger, basis points (the treasury gets the rest). */
  challengerShareBps: number;
  /** What a job naming no verification policy gets. */
  defaultVerification: VerificationPolicy;
}

export type ParameterName =
  | 'protocol-fee'
  | 'stake-floor-multiple'
  | 'unbonding-delay'
  | 'challenger-share'
  | 'default-verification';

/** One change a proposal makes: the call the timelock will run. */
export interface ParameterChange {
  name: ParameterName;
  /** The value as a person writes it (`250`, `7d`, `sample(0.05)`), normalized. */
  value: string;
  target: Address;
  calldata: Hex;
  /** The parameters with this change applied, for the forecast. */
  apply(values: NetworkParameterValues): NetworkParameterValues;
}

/** OpenZeppelin's ProposalState, by name, in its order. */
export const PROPOSAL_STATES = [
  'pending',
  'active',
  'canceled',
  'defeated',
  'succeeded',
  'queued',
  'expired',
  'executed',
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];
