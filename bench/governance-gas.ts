import { gridTokenAbi, ONE_TOKEN, sendContractTx } from '@idlegrid/contracts';
import type { Actor, TestChain } from '@idlegrid/contracts/testing';
import {
  castVote,
  delegateVotes,
  executeProposal,
  proposeParameter,
  queueProposal,
  readNetworkParameters,
} from '@idlegrid/node';
import { connect } from '@idlegrid/sdk';
import { markdownTable } from './report.js';

const transfer = (chain: TestChain, from: Actor, to: Actor) =>
  sendContractTx(chain.clientsOf(from), {
    address: chain.contracts.token,
    abi: gridTokenAbi,
    functionName: 'transfer',
    args: [to.address, ONE_TOKEN],
  }).then((sent) => sent.receipt.gasUsed);

/** A transfer between warm holders, neither delegated, then the same once both delegated (checkpoints written). */
async function transferGas(chain: TestChain) {
  const a = await chain.fundedActor(10n * ONE_TOKEN);
  const b = await chain.fundedActor(10n * ONE_TOKEN);
  await transfer(chain, a, b);
  const plain = await transfer(chain, a, b);
  for (const holder of [a, b]) {
    await sendContractTx(chain.clientsOf(holder), {
      address: chain.contracts.token,
      abi: gridTokenAbi,
      functionName: 'delegate',
      args: [holder.address],
    });
  }
  const delegated = await transfer(chain, a, b);
  return { plain, delegated };
}

/**
 * Gas of a proposal's life on a test chain with the public network's Governor settings: a
 * protocol-fee change with its full forecast in the description, one vote, queue, execute.
 */
export async function governanceGasSection(chain: TestChain): Promise<string> {
  const network = { rpcUrl: chain.anvil.rpcUrl, embedded: false, ...chain.contracts };
  const treasury = connect(network, chain.treasury.account);
  const delegated = (await delegateVotes(treasury)).receipt.gasUsed;
  const proposal = await proposeParameter(treasury, {
    param: 'protocol-fee',
    value: '150',
    text: 'Benchmark.',
  });
  const proposed = (await chain.publicClient.getTransactionReceipt({ hash: proposal.transactionHash }))
    .gasUsed;
  await chain.increaseTime(chain.params.governance.votingDelaySeconds + 1);
  const voted = (await castVote(treasury, proposal.proposalId, 'for', 'benchmark')).sent.receipt.gasUsed;
  await chain.increaseTime(chain.params.governance.votingPeriodSeconds + 1);
  const queued = (await queueProposal(treasury, proposal.proposalId)).receipt.gasUsed;
  await chain.increaseTime(chain.params.governance.timelockDelaySeconds + 1n);
  const executed = (await executeProposal(treasury, proposal.proposalId)).receipt.gasUsed;
  if ((await readNetworkParameters(network)).feeBps !== 150) throw new Error('the proposal did not apply');
  const transfers = await transferGas(chain);
  console.log(
    `governance: propose ${proposed}, vote ${voted}, queue ${queued}, execute ${executed}; transfer ${transfers.plain} / delegated ${transfers.delegated}`,
  );
  return [
    '### Governance',
    '',
    `A protocol-fee proposal through the Governor and its timelock, with the forecast in its description (${proposal.description.length.toLocaleString('en')} bytes, paid as calldata and event data by the proposer). The vote is the treasury's, with a reason; \`execute\` runs the timelock's call to \`setFeeBps\`.`,
    '',
    markdownTable(
      ['step', 'gas'],
      [
        ['delegate (first, to oneself)', String(delegated)],
        ['propose (with forecast)', String(proposed)],
        ['castVoteWithReason', String(voted)],
        ['queue', String(queued)],
        ['execute', String(executed)],
      ],
    ),
    '',
    `ERC20Votes on GridToken: a transfer between warm holders who never delegated costs ${transfers.plain} gas (it reads both delegates and writes no checkpoint); between holders who delegated, ${transfers.delegated} gas (${transfers.delegated - transfers.plain} more: each side's vote checkpoint is written). Each redemption now also reads the protocol fee from storage instead of bytecode.`,
  ].join('\n');
}
