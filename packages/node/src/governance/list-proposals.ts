import type { ChainContext } from '@idlegrid/sdk';
import type { ProposalState } from './api.js';
import {
  type ProposalCall,
  type ProposalTally,
  proposalState,
  proposalsOf,
  proposalTally,
} from './governor-reads.js';
import { type ParsedDescription, parseDescription } from './proposal-text.js';

export interface ProposalSummary extends ParsedDescription {
  id: bigint;
  proposer: ProposalCall['proposer'];
  state: ProposalState;
  voteStart: bigint;
  voteEnd: bigint;
  votes: ProposalTally;
  description: string;
}

/** Every proposal with its state, votes and forecast, newest first. */
export async function listProposals(ctx: ChainContext): Promise<ProposalSummary[]> {
  const proposals = await proposalsOf(ctx);
  const summaries = await Promise.all(
    proposals.map(async (proposal) => ({
      id: proposal.id,
      proposer: proposal.proposer,
      state: await proposalState(ctx, proposal.id),
      voteStart: proposal.voteStart,
      voteEnd: proposal.voteEnd,
      votes: await proposalTally(ctx, proposal),
      description: proposal.description,
      ...parseDescription(proposal.description),
    })),
  );
  return summaries.reverse();
}
