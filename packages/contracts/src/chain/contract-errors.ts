import { type ErrorCode, IdlegridError } from '@idlegrid/protocol';
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex } from 'viem';
import {
  coordinatorRegistryAbi,
  gridGovernorAbi,
  gridTokenAbi,
  paymentChannelsAbi,
  stakingAbi,
  timelockControllerAbi,
} from '../generated/artifacts.js';

/** Every custom error of every contract: a revert bubbling up from the token (or the timelock) decodes too. */
const ALL_ERRORS = [
  ...gridTokenAbi,
  ...coordinatorRegistryAbi,
  ...stakingAbi,
  ...paymentChannelsAbi,
  ...gridGovernorAbi,
  ...timelockControllerAbi,
].filter((item) => item.type === 'error');

/** Contract custom errors (and OpenZeppelin's) mapped to stable idlegrid codes. */
const REVERT_CODES: Record<string, ErrorCode> = {
  UnauthorizedSigner: 'VOUCHER_SIGNATURE_INVALID',
  VoucherReplayed: 'VOUCHER_REPLAYED',
  VoucherExpired: 'VOUCHER_EXPIRED',
  WrongProvider: 'VOUCHER_WRONG_PROVIDER',
  NothingToRedeem: 'VOUCHER_NOTHING_TO_REDEEM',
  SessionKeyExpired: 'SESSION_KEY_EXPIRED',
  SessionKeyCapExceeded: 'SESSION_KEY_CAP_EXCEEDED',
  InsufficientDeposit: 'INSUFFICIENT_FUNDS',
  ERC20InsufficientBalance: 'INSUFFICIENT_FUNDS',
  ERC20InsufficientAllowance: 'INSUFFICIENT_FUNDS',
  WithdrawLocked: 'WITHDRAW_LOCKED',
  NoWithdrawPending: 'WITHDRAW_LOCKED',
  InsufficientBonded: 'STAKE_INSUFFICIENT',
  SlashExceedsStake: 'STAKE_INSUFFICIENT',
  EvidenceAlreadyUsed: 'EVIDENCE_REPLAYED',
  CoordinatorNotActive: 'COORDINATOR_UNREGISTERED',
  NotRegistered: 'COORDINATOR_UNREGISTERED',
  SlashExceedsCoordinatorStake: 'STAKE_INSUFFICIENT',
  StakeBelowMinimum: 'STAKE_INSUFFICIENT',
  AlreadyLeaving: 'INVALID_ARGUMENT',
  // A registered coordinator withdraws only after `deregister` and its unbonding delay.
  NotLeaving: 'WITHDRAW_LOCKED',
  StillUnbonding: 'WITHDRAW_LOCKED',
  NothingToWithdraw: 'STAKE_INSUFFICIENT',
  AccessControlUnauthorizedAccount: 'NOT_AUTHORIZED',
  // Only the governance timelock owns the parameters.
  OwnableUnauthorizedAccount: 'NOT_AUTHORIZED',
  ParameterOutOfBounds: 'GOV_PARAMETER_OUT_OF_BOUNDS',
  // Governor and timelock (OpenZeppelin's errors).
  GovernorUnexpectedProposalState: 'GOV_PROPOSAL_STATE',
  GovernorNonexistentProposal: 'GOV_PROPOSAL_NOT_FOUND',
  GovernorAlreadyCastVote: 'GOV_ALREADY_VOTED',
  GovernorInsufficientProposerVotes: 'GOV_VOTES_INSUFFICIENT',
  GovernorUnableToCancel: 'GOV_PROPOSAL_STATE',
  GovernorAlreadyQueuedProposal: 'GOV_PROPOSAL_STATE',
  // Executing before the timelock's delay has passed, or twice.
  TimelockUnexpectedOperationState: 'GOV_PROPOSAL_STATE',
  ZeroAmount: 'INVALID_ARGUMENT',
  InvalidParameter: 'INVALID_ARGUMENT',
  LengthMismatch: 'INVALID_ARGUMENT',
};

interface DecodedRevert {
  errorName: string;
  args: string[];
}

/** The revert's custom error, if the failure was a contract revert we can decode. */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  if (revert.data) return { errorName: revert.data.errorName, args: (revert.data.args ?? []).map(String) };
  if (!revert.raw) return undefined;
  try {
    const decoded = decodeErrorResult({ abi: ALL_ERRORS, data: revert.raw as Hex });
    return { errorName: decoded.errorName, args: (decoded.args ?? []).map(String) };
  } catch {
    return undefined;
  }
}

/** Wraps any failure of a contract call in an IdlegridError with a stable code. */
export function toIdlegridError(error: unknown, action: string): IdlegridError {
  if (error instanceof IdlegridError) return error;
  const revert = decodeRevert(error);
  if (revert !== undefined) {
    const reason = revert.errorName;
    return new IdlegridError(
      REVERT_CODES[reason] ?? 'TRANSACTION_REVERTED',
      `${action} reverted: ${reason}`,
      {
        details: { reason, args: revert.args },
        cause: error,
      },
    );
  }
  const message = error instanceof BaseError ? error.shortMessage : String(error);
  if (/fetch failed|ECONNREFUSED|HTTP request failed/i.test(message)) {
    return new IdlegridError('CHAIN_UNAVAILABLE', `${action}: chain unreachable (${message})`, {
      details: { hint: 'is the chain running? start it with: idlegrid chain start (or idlegrid localnet)' },
      cause: error,
    });
  }
  if (/insufficient funds/i.test(message)) {
    return new IdlegridError('INSUFFICIENT_FUNDS', `${action}: ${message}`, { cause: error });
  }
  return new IdlegridError('TRANSACTION_REVERTED', `${action} failed: ${message}`, { cause: error });
}
