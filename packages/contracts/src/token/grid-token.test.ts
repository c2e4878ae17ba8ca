import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { gridTokenAbi, paymentChannelsAbi } from '../generated/artifacts.js';
import { channelDriver } from '../testing/channel-driver.js';
import { startTestChain, type TestChain } from '../testing/test-chain.js';
import { signPermit } from './permit.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(() => chain?.stop());

const readToken = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: chain.contracts.token,
    abi: gridTokenAbi,
    functionName,
    args,
  } as never) as Promise<T>;

describe('GridToken', () => {
  it('mints the whole fixed supply to the treasury', async () => {
    expect(await readToken('symbol')).toBe('GRID');
    expect(await readToken('decimals')).toBe(18);
    expect(await readToken('totalSupply')).toBe(chain.params.tokenSupply);
    // All of it, less the test verifier's bond in the coordinator registry.
    const bond = chain.params.coordinatorMinStake;
    expect(await chain.tokenBalance(chain.treasury.address)).toBe(chain.params.tokenSupply - bond);
    expect(await chain.tokenBalance(chain.contracts.coordinatorRegistry)).toBe(bond);
  });

  it('deposits into a payment channel with an EIP-2612 permit instead of an approval', async () => {
    const client = await chain.fundedActor(5n * ONE_TOKEN);
    const deadline = (await chain.now()) + 600n;
    const nonce = await readToken<bigint>('nonces', [client.address]);
    const { v, r, s } = await signPermit(client.account, {
      token: chain.contracts.token,
      chainId: chain.anvil.chainId,
      spender: chain.contracts.paymentChannels,
      value: 5n * ONE_TOKEN,
      nonce,
      deadline,
    });
    await sendContractTx(chain.clientsOf(client), {
      address: chain.contracts.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'depositWithPermit',
      args: [5n * ONE_TOKEN, deadline, v, r, s],
    });
    expect((await channelDriver(chain).channelOf(client.address)).balance).toBe(5n * ONE_TOKEN);
    expect(await chain.tokenBalance(client.address)).toBe(0n);
  });
});
