import { gridGovernorAbi, gridTokenAbi, toIdlegridError } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { ChainContext } from '@idlegrid/sdk';
import type { Address, Hex } from 'viem';
import { PROPOSAL_STATES, type ProposalState } from './api.js';

/**
 * Reads at the pending block: the Governor's clock is a timestamp, and a chain that mines only
 * on demand (anvil) holds `latest` at the last transaction's time, not now.
 */
const NOW = { blockTag: 'pending' } as const;

export interface ProposalCall {
  id: bigint;
  proposer: Address;
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
  /** Votes count as delegated at this time (seconds); the vote runs until the deadline. */
  voteStart: bigint;
  voteEnd: bigint;
}

/** Every proposal made to this network's Governor, oldest first. */
export async function proposalsOf(ctx: ChainContext): Promise<ProposalCall[]> {
  try {
    const logs = await ctx.public.getContractEvents({
      address: ctx.network.governor,
      abi: gridGovernorAbi,
      eventName: 'ProposalCreated',
      fromBlock: BigInt(ctx.network.deployBlock),
      toBlock: 'latest',
    });
    return logs.map(({ args }) => ({
      id: args.proposalId!,
      proposer: args.proposer!,
      targets: args.targets!,
      values: args.values!,
      calldatas: args.calldatas!,
      description: args.description!,
      voteStart: args.voteStart!,
      voteEnd: args.voteEnd!,
    }));
  } catch (error) {
    throw toIdlegridError(error, 'read the proposals');
  }
}

/** One proposal by id (GOV_PROPOSAL_NOT_FOUND if none). */
export async function proposalCall(ctx: ChainContext, id: bigint): Promise<ProposalCall> {
  const found = (await proposalsOf(ctx)).find((proposal) => proposal.id === id);
  if (!found) {
    throw new IdlegridError(
      'GOV_PROPOSAL_NOT_FOUND',
      `no proposal ${id} on governor ${ctx.network.governor}`,
      {
        details: { proposalId: id.toString(), hint: 'list them with: idlegrid gov list' },
      },
    );
  }
  return found;
}

export async function proposalState(ctx: ChainContext, id: bigint): Promise<ProposalState> {
  try {
    const state = await ctx.public.readContract({
      address: ctx.network.governor,
      abi: gridGovernorAbi,
      functionName: 'state',
      args: [id],
      ...NOW,
    });
    return PROPOSAL_STATES[state]!;
  } catch (error) {
    throw toIdlegridError(error, 'read the proposal state');
  }
}

export interface ProposalTally {
  against: bigint;
  for: bigint;
  abstain: bigint;
  quorum: bigint;
  /** When a queued proposal can execute (seconds; 0 if not queued). */
  eta: bigint;
}

export async function proposalTally(ctx: ChainContext, proposal: ProposalCall): Promise<ProposalTally> {
  const governor = { address: ctx.network.governor, abi: gridGovernorAbi } as const;
  // The quorum is the one at the snapshot; before voting opens, the one in force now.
  const now = await chainNow(ctx);
  const quorumAt = proposal.voteStart < now ? proposal.voteStart : now - 1n;
  try {
    const [[against, inFavour, abstain], quorum, eta] = await Promise.all([
      ctx.public.readContract({ ...governor, functionName: 'proposalVotes', args: [proposal.id] }),
      ctx.public.readContract({ ...governor, functionName: 'quorum', args: [quorumAt], ...NOW }),
      ctx.public.readContract({ ...governor, functionName: 'proposalEta', args: [proposal.id] }),
    ]);
    return { against, for: inFavour, abstain, quorum, eta };
  } catch (error) {
    throw toIdlegridError(error, 'read the votes');
  }
}

/** An account's votes: now, and at a past time (a proposal's snapshot). */
export async function votesOf(ctx: ChainContext, account: Address, at?: bigint): Promise<bigint> {
  const token = { address: ctx.network.token, abi: gridTokenAbi } as const;
  try {
    return at === undefined
      ? await ctx.public.readContract({ ...token, functionName: 'getVotes', args: [account], ...NOW })
      : await ctx.public.readContract({
          ...token,
          functionName: 'getPastVotes',
          args: [account, at],
          ...NOW,
        });
  } catch (error) {
    throw toIdlegridError(error, 'read the votes');
  }
}

/** The chain's time as the next transaction will see it. */
export async function chainNow(ctx: ChainContext): Promise<bigint> {
  const block = await ctx.public.getBlock({ blockTag: 'pending' });
  return block.timestamp;
}
