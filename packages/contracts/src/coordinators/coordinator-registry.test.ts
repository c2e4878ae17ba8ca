import { type Address, keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { coordinatorRegistryAbi } from '../generated/artifacts.js';
import { expectFailure } from '../testing/expect-revert.js';
import { type Actor, startTestChain, type TestChain } from '../testing/test-chain.js';

const DELAY = 3_600n;
const MIN = 100n * ONE_TOKEN;
let chain: TestChain;

beforeAll(async () => {
  chain = await startTestChain({ unbondingDelaySeconds: DELAY, coordinatorMinStake: MIN });
});
afterAll(() => chain?.stop());

const write = (actor: Actor, functionName: string, args: readonly unknown[]) =>
  sendContractTx(chain.clientsOf(actor), {
    address: chain.contracts.coordinatorRegistry,
    abi: coordinatorRegistryAbi,
    functionName,
    args,
  } as never);
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: chain.contracts.coordinatorRegistry,
    abi: coordinatorRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const isActive = (coordinator: Address) => read<boolean>('isActive', [coordinator]);
const activeAccounts = async () =>
  (await read<{ account: Address }[]>('activeCoordinators')).map((c) => c.account);

async function coordinatorWith(tokens: bigint): Promise<Actor> {
  const actor = await chain.fundedActor(tokens);
  await chain.approve(actor, chain.contracts.coordinatorRegistry, tokens);
  return actor;
}

describe('CoordinatorRegistry', () => {
  it('registers a coordinator bonded at least the minimum, with its endpoints for discovery', async () => {
    const coordinator = await coordinatorWith(2n * MIN);
    await expectFailure(
      write(coordinator, 'register', [MIN - 1n, '/ip4/10.0.0.1/tcp/4001', 'http://10.0.0.1']),
      'STAKE_INSUFFICIENT',
      'StakeBelowMinimum',
    );
    expect(await isActive(coordinator.address)).toBe(false);
    await write(coordinator, 'register', [MIN, '/ip4/10.0.0.1/tcp/4001', 'http://10.0.0.1']);
    expect(await isActive(coordinator.address)).toBe(true);
    // Topping up with nothing more updates the endpoints.
    await write(coordinator, 'register', [0n, '/ip4/10.0.0.2/tcp/4001', 'https://c.example']);
    const record = await read<{ bonded: bigint; p2p: string; apiUrl: string }>('coordinatorOf', [
      coordinator.address,
    ]);
    expect(record).toMatchObject({ bonded: MIN, p2p: '/ip4/10.0.0.2/tcp/4001', apiUrl: 'https://c.example' });
    expect(await activeAccounts()).toContain(coordinator.address);
    expect(await chain.tokenBalance(coordinator.address)).toBe(MIN);
  });

  it('deactivates at once on leaving, and returns the bond only after the unbonding delay', async () => {
    const coordinator = await coordinatorWith(MIN);
    await expectFailure(
      write(coordinator, 'requestDeregister', []),
      'COORDINATOR_UNREGISTERED',
      'NotRegistered',
    );
    await write(coordinator, 'register', [MIN, '/ip4/10.0.0.3/tcp/4001', 'http://10.0.0.3']);
    await expectFailure(write(coordinator, 'withdraw', []), 'WITHDRAW_LOCKED', 'NotLeaving');
    await write(coordinator, 'requestDeregister', []);
    expect(await isActive(coordinator.address)).toBe(false);
    expect(await activeAccounts()).not.toContain(coordinator.address);
    await expectFailure(write(coordinator, 'requestDeregister', []), 'INVALID_ARGUMENT', 'AlreadyLeaving');
    await expectFailure(
      write(coordinator, 'register', [0n, '/ip4/10.0.0.3/tcp/4001', 'http://10.0.0.3']),
      'INVALID_ARGUMENT',
      'AlreadyLeaving',
    );
    await expectFailure(write(coordinator, 'withdraw', []), 'WITHDRAW_LOCKED', 'StillUnbonding');
    await chain.increaseTime(DELAY);
    await write(coordinator, 'withdraw', []);
    expect(await chain.tokenBalance(coordinator.address)).toBe(MIN);
    expect(await read('stakeOf', [coordinator.address])).toBe(0n);
    await expectFailure(write(coordinator, 'withdraw', []), 'COORDINATOR_UNREGISTERED', 'NotRegistered');
    // It may come back afterwards, as a new registration.
    await chain.approve(coordinator, chain.contracts.coordinatorRegistry, MIN);
    await write(coordinator, 'register', [MIN, '/ip4/10.0.0.3/tcp/4001', 'http://10.0.0.3']);
    expect(await isActive(coordinator.address)).toBe(true);
  });

  it('lets only the admin slash a bond, which deactivates a coordinator below the minimum', async () => {
    const coordinator = await coordinatorWith(MIN);
    await write(coordinator, 'register', [MIN, '/ip4/10.0.0.4/tcp/4001', 'http://10.0.0.4']);
    const evidence = keccak256(toHex('forged punishment'));
    await expectFailure(
      write(chain.verifier, 'slash', [coordinator.address, ONE_TOKEN, evidence]),
      'NOT_AUTHORIZED',
      'AccessControlUnauthorizedAccount',
    );
    await expectFailure(
      write(chain.deployer, 'slash', [coordinator.address, MIN + 1n, evidence]),
      'STAKE_INSUFFICIENT',
      'SlashExceedsStake',
    );
    const treasuryBefore = await chain.tokenBalance(chain.treasury.address);
    await write(chain.deployer, 'slash', [coordinator.address, ONE_TOKEN, evidence]);
    expect((await chain.tokenBalance(chain.treasury.address)) - treasuryBefore).toBe(ONE_TOKEN);
    expect(await isActive(coordinator.address)).toBe(false);
  });

  it('keeps the member list whole when members leave out of order', async () => {
    const members: Actor[] = [];
    for (let i = 0; i < 3; i++) members.push(await coordinatorWith(MIN));
    for (const [i, member] of members.entries())
      await write(member, 'register', [MIN, `/ip4/10.0.1.${i}/tcp/4001`, `http://10.0.1.${i}`]);
    await write(members[0]!, 'requestDeregister', []);
    await chain.increaseTime(DELAY);
    await write(members[0]!, 'withdraw', []);
    const active = await activeAccounts();
    expect(active).not.toContain(members[0]!.address);
    expect(active).toEqual(expect.arrayContaining([members[1]!.address, members[2]!.address]));
    expect(new Set(active).size).toBe(active.length);
  });
});
