import { parseSignature } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { gridTokenAbi, paymentChannelsAbi } from '../generated/artifacts.js';
import { channelDriver } from '../testing/channel-driver.js';
import { startTestChain, type TestChain } from '../testing/test-chain.js';

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
    expect(await chain.tokenBalance(chain.treasury.address)).toBe(chain.params.tokenSupply);
  });

  it('deposits into a payment channel with an EIP-2612 permit instead of an approval', async () => {
    const client = await chain.fundedActor(5n * ONE_TOKEN);
    const deadline = (await chain.now()) + 600n;
    const nonce = await readToken<bigint>('nonces', [client.address]);
    const signature = await client.account.signTypedData({
      domain: {
        name: 'idlegrid',
        version: '1',
        chainId: chain.anvil.chainId,
        verifyingContract: chain.contracts.token,
      },
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: {
        owner: client.address,
        spender: chain.contracts.paymentChannels,
        value: 5n * ONE_TOKEN,
        nonce,
        deadline,
      },
    });
    const { v, r, s } = parseSignature(signature);
    await sendContractTx(chain.clientsOf(client), {
      address: chain.contracts.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'depositWithPermit',
      args: [5n * ONE_TOKEN, deadline, Number(v), r, s],
    });
    expect((await channelDriver(chain).channelOf(client.address)).balance).toBe(5n * ONE_TOKEN);
    expect(await chain.tokenBalance(client.address)).toBe(0n);
  });
});
