import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx, withGasMargin } from '../chain/send.js';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { gridTokenAbi } from '../generated/artifacts.js';
import { startTestChain, type TestChain } from '../testing/test-chain.js';
import { signPermit } from '../token/permit.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(() => chain?.stop());

const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: chain.contracts.token,
    abi: gridTokenAbi,
    functionName,
    args,
  } as never) as Promise<T>;

describe('GridToken votes', () => {
  it('keeps time in seconds (EIP-6372)', async () => {
    expect(await read('CLOCK_MODE')).toBe('mode=timestamp');
    expect(BigInt(await read<number>('clock'))).toBe(await chain.now());
  });

  it('counts votes once delegated, moves them with transfers, and remembers the past', async () => {
    const alice = await chain.fundedActor(100n * ONE_TOKEN);
    const bob = await chain.newActor();
    expect(await read('getVotes', [alice.address])).toBe(0n);
    await sendContractTx(chain.clientsOf(alice), {
      address: chain.contracts.token,
      abi: gridTokenAbi,
      functionName: 'delegate',
      args: [alice.address],
    });
    expect(await read('getVotes', [alice.address])).toBe(100n * ONE_TOKEN);
    const before = await chain.now();
    await chain.increaseTime(10);
    await chain.transferTokens(alice, bob.address, 30n * ONE_TOKEN);
    expect(await read('getVotes', [alice.address])).toBe(70n * ONE_TOKEN);
    // Bob has not delegated: his tokens are nobody's votes.
    expect(await read('getVotes', [bob.address])).toBe(0n);
    expect(await read('getPastVotes', [alice.address, before])).toBe(100n * ONE_TOKEN);
  });

  it('gives a transfer mined a second after its estimate the gas for new checkpoints', async () => {
    const alice = await chain.fundedActor(10n * ONE_TOKEN);
    const bob = await chain.fundedActor(10n * ONE_TOKEN);
    for (const actor of [bob, alice]) {
      await sendContractTx(chain.clientsOf(actor), {
        address: chain.contracts.token,
        abi: gridTokenAbi,
        functionName: 'delegate',
        args: [actor.address],
      });
    }
    const transfer = {
      address: chain.contracts.token,
      abi: gridTokenAbi,
      functionName: 'transfer',
      args: [bob.address, ONE_TOKEN],
      account: alice.account,
    } as const;
    // Estimated in the second of Alice's last checkpoint: both checkpoints update in place.
    const estimate = await chain.publicClient.estimateContractGas({ ...transfer, blockTag: 'latest' });
    await chain.increaseTime(1);
    const { wallet } = chain.clientsOf(alice);
    const exact = await wallet.writeContract({ ...transfer, gas: estimate } as never);
    expect((await chain.publicClient.waitForTransactionReceipt({ hash: exact })).status).toBe('reverted');
    await chain.increaseTime(1);
    const padded = await wallet.writeContract({ ...transfer, gas: withGasMargin(estimate) } as never);
    expect((await chain.publicClient.waitForTransactionReceipt({ hash: padded })).status).toBe('success');
  });

  it('still takes permits, sharing one nonce per owner with delegation by signature', async () => {
    const owner = await chain.fundedActor(5n * ONE_TOKEN);
    const spender = await chain.newActor();
    const deadline = (await chain.now()) + 600n;
    const nonce = await read<bigint>('nonces', [owner.address]);
    const { v, r, s } = await signPermit(owner.account, {
      chainId: chain.anvil.chainId,
      token: chain.contracts.token,
      spender: spender.address,
      value: ONE_TOKEN,
      nonce,
      deadline,
    });
    await sendContractTx(chain.clientsOf(spender), {
      address: chain.contracts.token,
      abi: gridTokenAbi,
      functionName: 'permit',
      args: [owner.address, spender.address, ONE_TOKEN, deadline, v, r, s],
    });
    expect(await read('allowance', [owner.address, spender.address])).toBe(ONE_TOKEN);
    expect(await read('nonces', [owner.address])).toBe(nonce + 1n);
  });
});
