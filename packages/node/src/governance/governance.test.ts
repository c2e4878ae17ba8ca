import { ONE_TOKEN, paymentChannelsAbi } from '@idlegrid/contracts';
import { connect, deposit, getBalances, signVoucher } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../chain/faucet.js';
import { redeemVouchers } from '../chain/redeem-vouchers.js';
import { startTestNetwork, type TestNetwork } from '../chain/test-network.js';
import { castVote, delegateVotes, executeProposal, queueProposal } from './governor-actions.js';
import { listProposals } from './list-proposals.js';
import { proposeParameter } from './propose-with-forecast.js';
import { readNetworkParameters } from './read-parameters.js';

let net: TestNetwork;
beforeAll(async () => {
  net = await startTestNetwork();
});
afterAll(() => net?.stop());

/** Moves the embedded chain's clock (and mines a block at the new time). */
async function advance(seconds: number) {
  for (const [method, params] of [
    ['evm_increaseTime', [seconds]],
    ['evm_mine', []],
  ] as const) {
    await fetch(net.net.network.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  }
}

const SMALL_FORECAST = {
  seed: 3,
  providers: 80,
  jobs: 400,
  spanHours: 2,
  verificationJobs: 800,
  adversarialShare: 0.1,
};

describe('a governance proposal on the embedded chain', () => {
  it('changes the protocol fee that the next redemption pays, after vote, queue and timelock', async () => {
    const funder = connect(net.net.network, net.net.funder);
    const client = await net.newParty(100n * ONE_TOKEN);
    const provider = await net.newParty(0n);
    await deposit(client.ctx, 50n * ONE_TOKEN);
    // Signed before the vote: the fee is the network's at redemption, not part of the voucher.
    const voucher = await signVoucher(client.ctx, client.account, {
      client: client.account.address,
      provider: provider.account.address,
      cumulativeAmount: 40n * ONE_TOKEN,
      nonce: 1n,
      expiry: BigInt(Math.floor(Date.now() / 1000)) + 30n * 86_400n,
    });
    // A second voter, who delegates only once voting is open: its tokens do not count.
    const late = await net.newParty(1_000n * ONE_TOKEN);

    const proposal = await proposeParameter(funder, {
      param: 'protocol-fee',
      value: '250',
      text: 'Fund the treasury.',
      settings: SMALL_FORECAST,
    });
    expect(proposal.description).toMatch(/^Set protocol-fee to 250 \(now 100\)/);
    expect(proposal.forecast.proposed.outlook.providerEarningsPerJob).toBeLessThan(
      proposal.forecast.now.outlook.providerEarningsPerJob,
    );
    await expect(castVote(funder, proposal.proposalId, 'for')).rejects.toMatchObject({
      code: 'GOV_PROPOSAL_STATE',
    });
    await advance(11);
    await delegateVotes(late.ctx);
    await expect(castVote(late.ctx, proposal.proposalId, 'against')).rejects.toMatchObject({
      code: 'GOV_VOTES_INSUFFICIENT',
    });
    const { weight } = await castVote(funder, proposal.proposalId, 'for', 'more for the treasury');
    expect(weight).toBeGreaterThan(0n);
    await expect(castVote(funder, proposal.proposalId, 'for')).rejects.toMatchObject({
      code: 'GOV_ALREADY_VOTED',
    });
    await expect(queueProposal(funder, proposal.proposalId)).rejects.toMatchObject({
      code: 'GOV_PROPOSAL_STATE',
    });
    await advance(121);
    await queueProposal(funder, proposal.proposalId);
    await expect(executeProposal(funder, proposal.proposalId)).rejects.toMatchObject({
      code: 'GOV_PROPOSAL_STATE',
    });
    // Still the old fee until the timelock runs the change.
    expect((await readNetworkParameters(net.net.network)).feeBps).toBe(100);
    await advance(31);
    await executeProposal(funder, proposal.proposalId);
    expect((await readNetworkParameters(net.net.network)).feeBps).toBe(250);

    const treasuryBefore = (await getBalances(funder, net.net.funder.address)).tokens;
    await fundFromFaucet(funder, { to: provider.account.address, eth: 10n ** 18n, tokens: 0n });
    await redeemVouchers(provider.ctx, [voucher]);
    const fee = (40n * ONE_TOKEN * 250n) / 10_000n;
    expect((await getBalances(provider.ctx, provider.account.address)).tokens).toBe(40n * ONE_TOKEN - fee);
    expect((await getBalances(funder, net.net.funder.address)).tokens - treasuryBefore).toBe(fee);

    const [listed] = await listProposals(funder);
    expect(listed).toMatchObject({ id: proposal.proposalId, state: 'executed' });
    expect(listed!.votes.for).toBe(weight);
    expect(listed!.forecast?.intact).toBe(true);
    expect(listed!.forecast?.data).toEqual(JSON.parse(JSON.stringify(listed!.forecast?.data)));
  });

  it('is refused at once for an unknown parameter or a value out of bounds, and by the contract if it gets there', async () => {
    const funder = connect(net.net.network, net.net.funder);
    await expect(
      proposeParameter(funder, { param: 'gas-price', value: '1', text: '', settings: SMALL_FORECAST }),
    ).rejects.toMatchObject({ code: 'GOV_PARAMETER_UNKNOWN' });
    await expect(
      proposeParameter(funder, { param: 'protocol-fee', value: '1001', text: '', settings: SMALL_FORECAST }),
    ).rejects.toMatchObject({ code: 'GOV_PARAMETER_OUT_OF_BOUNDS' });
    await expect(
      proposeParameter(funder, {
        param: 'unbonding-delay',
        value: '59m',
        text: '',
        settings: SMALL_FORECAST,
      }),
    ).rejects.toMatchObject({ code: 'GOV_PARAMETER_OUT_OF_BOUNDS' });
    // Nobody but the timelock may set a parameter, the deployer included.
    await expect(
      funder.public.simulateContract({
        account: net.net.funder,
        address: net.net.network.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'setFeeBps',
        args: [0],
      }),
    ).rejects.toThrow(/OwnableUnauthorizedAccount/);
  });
});
