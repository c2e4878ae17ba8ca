import { gridGovernorAbi, gridTokenAbi, type SentTransaction, sendContractTx } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { SignerContext } from '@idlegrid/sdk';
import { type Address, keccak256, toBytes } from 'viem';
import type { ParameterChange, ProposalState } from './api.js';
import {
  chainNow,
  type ProposalCall,
  proposalCall,
  proposalState,
  proposalTally,
  votesOf,
} from './governor-reads.js';

const PENDING = { blockTag: 'pending' } as const;

/** Lends the signer's votes to `to` (itself by default): votes count only once delegated. */
export function delegateVotes(ctx: SignerContext, to: Address = ctx.wallet.account.address) {
  return sendContractTx(ctx, {
    address: ctx.network.token,
    abi: gridTokenAbi,
    functionName: 'delegate',
    args: [to],
  });
}

/** Proposes one parameter change; `description` is the full text voters read (forecast included). */
export async function proposeChange(
  ctx: SignerContext,
  change: ParameterChange,
  description: string,
): Promise<{ proposalId: bigint; sent: SentTransaction }> {
  const targets = [change.target];
  const values = [0n];
  const calldatas = [change.calldata];
  const sent = await sendContractTx(ctx, {
    address: ctx.network.governor,
    abi: gridGovernorAbi,
    functionName: 'propose',
    args: [targets, values, calldatas, description],
    ...PENDING,
  });
  const proposalId = await ctx.public.readContract({
    address: ctx.network.governor,
    abi: gridGovernorAbi,
    functionName: 'hashProposal',
    args: [targets, values, calldatas, keccak256(toBytes(description))],
  });
  return { proposalId, sent };
}

export type Support = 'against' | 'for' | 'abstain';
const SUPPORT: Record<Support, number> = { against: 0, for: 1, abstain: 2 };

/**
 * Votes with the signer's votes at the proposal's snapshot (when voting opened). Refuses up front what the
 * Governor would accept as a zero-weight vote (no votes delegated in time) or refuse
 * obscurely (voting not open).
 */
export async function castVote(ctx: SignerContext, id: bigint, support: Support, reason = '') {
  const proposal = await proposalCall(ctx, id);
  await expectState(ctx, proposal, ['active'], 'vote');
  const voter = ctx.wallet.account.address;
  const weight = await votesOf(ctx, voter, proposal.voteStart);
  if (weight === 0n) {
    throw new IdlegridError(
      'GOV_VOTES_INSUFFICIENT',
      `${voter} had no delegated votes when voting on proposal ${id} opened`,
      {
        details: {
          voter,
          snapshot: proposal.voteStart.toString(),
          hint: 'delegate before voting opens: idlegrid gov delegate',
        },
      },
    );
  }
  const sent = await sendContractTx(ctx, {
    address: ctx.network.governor,
    abi: gridGovernorAbi,
    functionName: 'castVoteWithReason',
    args: [id, SUPPORT[support], reason],
    ...PENDING,
  });
  return { sent, weight };
}

/** Queues a passed proposal in the timelock. */
export async function queueProposal(ctx: SignerContext, id: bigint) {
  const proposal = await proposalCall(ctx, id);
  await expectState(ctx, proposal, ['succeeded'], 'queue');
  return sendContractTx(ctx, {
    address: ctx.network.governor,
    abi: gridGovernorAbi,
    functionName: 'queue',
    args: [proposal.targets, proposal.values, proposal.calldatas, keccak256(toBytes(proposal.description))],
    ...PENDING,
  });
}

/** Executes a queued proposal once the timelock's delay has passed: the parameter changes. */
export async function executeProposal(ctx: SignerContext, id: bigint) {
  const proposal = await proposalCall(ctx, id);
  await expectState(ctx, proposal, ['queued'], 'execute');
  const [{ eta }, now] = await Promise.all([proposalTally(ctx, proposal), chainNow(ctx)]);
  if (now < eta) {
    throw new IdlegridError(
      'GOV_PROPOSAL_STATE',
      `proposal ${id} is queued; its timelock ends in ${eta - now} s`,
      {
        details: { proposalId: id.toString(), state: 'queued', eta: eta.toString() },
      },
    );
  }
  return sendContractTx(ctx, {
    address: ctx.network.governor,
    abi: gridGovernorAbi,
    functionName: 'execute',
    args: [proposal.targets, proposal.values, proposal.calldatas, keccak256(toBytes(proposal.description))],
    ...PENDING,
  });
}

async function expectState(
  ctx: SignerContext,
  proposal: ProposalCall,
  allowed: readonly ProposalState[],
  action: string,
): Promise<void> {
  const state = await proposalState(ctx, proposal.id);
  if (allowed.includes(state)) return;
  const now = await chainNow(ctx);
  const when =
    state === 'pending'
      ? `; voting opens in ${proposal.voteStart - now} s`
      : state === 'active'
        ? `; voting closes in ${proposal.voteEnd - now} s`
        : '';
  throw new IdlegridError(
    'GOV_PROPOSAL_STATE',
    `cannot ${action} proposal ${proposal.id}: it is ${state}${when}`,
    { details: { proposalId: proposal.id.toString(), state, expected: [...allowed] } },
  );
}
