import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { paymentChannelsAbi, stakingAbi } from '../generated/artifacts.js';
import { channelDriver } from '../testing/channel-driver.js';
import { expectFailure } from '../testing/expect-revert.js';
import { startTestChain, type TestChain } from '../testing/test-chain.js';
import { deployNetwork } from './deploy.js';
import { defaultParameters, ONE_TOKEN } from './parameters.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(() => chain?.stop());

describe('deployment guards and views', () => {
  it('refuses a fee above 10% and a zero stake-floor multiplier', async () => {
    const clients = chain.clientsOf(chain.deployer);
    const params = defaultParameters(chain.treasury.address);
    await expect(deployNetwork(clients, { ...params, feeBps: 1_001 })).rejects.toMatchObject({
      code: 'TRANSACTION_REVERTED',
    });
    await expect(deployNetwork(clients, { ...params, stakeFloorMultiplier: 0 })).rejects.toMatchObject({
      code: 'TRANSACTION_REVERTED',
    });
  });

  it('exposes the parameters and the verifier role as deployed', async () => {
    const read = (
      address: `0x${string}`,
      abi: typeof stakingAbi | typeof paymentChannelsAbi,
      functionName: string,
    ) => chain.publicClient.readContract({ address, abi, functionName, args: [] } as never);
    expect(await read(chain.contracts.paymentChannels, paymentChannelsAbi, 'feeBps')).toBe(
      chain.params.feeBps,
    );
    expect(await read(chain.contracts.paymentChannels, paymentChannelsAbi, 'treasury')).toBe(
      chain.treasury.address,
    );
    expect(await read(chain.contracts.staking, stakingAbi, 'unbondingDelay')).toBe(
      chain.params.unbondingDelaySeconds,
    );
    const role = await read(chain.contracts.staking, stakingAbi, 'VERIFIER_ROLE');
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.staking,
        abi: stakingAbi,
        functionName: 'hasRole',
        args: [role as `0x${string}`, chain.verifier.address],
      }),
    ).toBe(true);
  });

  it('tracks what a session key has spent, and forgets it on revocation', async () => {
    const channels = channelDriver(chain);
    const client = await chain.fundedActor(ONE_TOKEN);
    const provider = await chain.newActor();
    const key = await chain.newActor();
    await channels.deposit(client, ONE_TOKEN);
    const expiry = (await chain.now()) + 600n;
    await channels.authorizeSessionKey(client, key.address, ONE_TOKEN, expiry);
    const voucher = {
      client: client.address,
      provider: provider.address,
      cumulativeAmount: 3n,
      nonce: 1n,
      expiry,
    };
    await channels.redeem(provider, voucher, await chain.signVoucher(key, voucher));
    const sessionKeyOf = () =>
      chain.publicClient.readContract({
        address: chain.contracts.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'sessionKeyOf',
        args: [client.address, key.address],
      });
    expect(await sessionKeyOf()).toEqual([ONE_TOKEN, 3n, expiry]);
    await channels.revokeSessionKey(client, key.address);
    expect(await sessionKeyOf()).toEqual([0n, 0n, 0n]);
  });

  it('refuses zero-amount unbonding', async () => {
    await expectFailure(
      sendContractTx(chain.clientsOf(chain.deployer), {
        address: chain.contracts.staking,
        abi: stakingAbi,
        functionName: 'requestUnbond',
        args: [0n],
      }),
      'INVALID_ARGUMENT',
      'ZeroAmount',
    );
  });
});
