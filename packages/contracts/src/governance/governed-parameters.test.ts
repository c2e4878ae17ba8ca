import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { CANCELLER_ROLE, PROPOSER_ROLE } from '../deploy/deploy-governance.js';
import {
  gridGovernorAbi,
  paymentChannelsAbi,
  stakingAbi,
  timelockControllerAbi,
} from '../generated/artifacts.js';
import { expectFailure } from '../testing/expect-revert.js';
import { type Actor, startTestChain, type TestChain } from '../testing/test-chain.js';
import { timelockActor } from '../testing/timelock.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(() => chain?.stop());

type Setter = { address: Address; abi: typeof stakingAbi | typeof paymentChannelsAbi; functionName: string };
const setters = (): [Setter, readonly unknown[], readonly unknown[]][] => [
  // [setter, a value in bounds, a value out of bounds]
  [
    { address: chain.contracts.paymentChannels, abi: paymentChannelsAbi, functionName: 'setFeeBps' },
    [250],
    [1_001],
  ],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setStakeFloorMultiplier' },
    [20],
    [101],
  ],
  [{ address: chain.contracts.staking, abi: stakingAbi, functionName: 'setStakeFloorMultiplier' }, [20], [0]],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setUnbondingDelay' },
    [3_600n],
    [3_599n],
  ],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setUnbondingDelay' },
    [3_600n],
    [90n * 86_400n + 1n],
  ],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setChallengerShareBps' },
    [2_500],
    [10_001],
  ],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setDefaultVerification' },
    [1, 50_000],
    [1, 0],
  ],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setDefaultVerification' },
    [2, 3],
    [2, 8],
  ],
  [
    { address: chain.contracts.staking, abi: stakingAbi, functionName: 'setDefaultVerification' },
    [0, 0],
    [4, 0],
  ],
];

const call = (actor: Actor, setter: Setter, args: readonly unknown[]) =>
  sendContractTx(chain.clientsOf(actor), { ...setter, args } as never);

describe('governed parameters', () => {
  it('are owned by the timelock, which the governor alone proposes to, with no admin left', async () => {
    const read = (address: Address, abi: typeof stakingAbi | typeof paymentChannelsAbi) =>
      chain.publicClient.readContract({ address, abi, functionName: 'owner' } as never);
    expect(await read(chain.contracts.staking, stakingAbi)).toBe(chain.contracts.timelock);
    expect(await read(chain.contracts.paymentChannels, paymentChannelsAbi)).toBe(chain.contracts.timelock);
    const hasRole = (role: `0x${string}`, account: Address) =>
      chain.publicClient.readContract({
        address: chain.contracts.timelock,
        abi: timelockControllerAbi,
        functionName: 'hasRole',
        args: [role, account],
      });
    expect(await hasRole(PROPOSER_ROLE, chain.contracts.governor)).toBe(true);
    expect(await hasRole(CANCELLER_ROLE, chain.contracts.governor)).toBe(true);
    expect(await hasRole(`0x${'00'.repeat(32)}`, chain.deployer.address)).toBe(false);
    expect(await hasRole(PROPOSER_ROLE, chain.deployer.address)).toBe(false);
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.governor,
        abi: gridGovernorAbi,
        functionName: 'timelock',
      }),
    ).toBe(chain.contracts.timelock);
  });

  it('refuse every other caller, the deployer and the treasury included', async () => {
    for (const [setter, inBounds] of setters()) {
      for (const actor of [chain.deployer, chain.treasury, chain.verifier]) {
        await expectFailure(call(actor, setter, inBounds), 'NOT_AUTHORIZED', 'OwnableUnauthorizedAccount');
      }
    }
  });

  it('take values within bounds from the timelock, emit events, and refuse values outside', async () => {
    const timelock = await timelockActor(chain);
    for (const [setter, inBounds, outOfBounds] of setters()) {
      await expectFailure(
        call(timelock, setter, outOfBounds),
        'GOV_PARAMETER_OUT_OF_BOUNDS',
        'ParameterOutOfBounds',
      );
      const { receipt } = await call(timelock, setter, inBounds);
      expect(receipt.logs).toHaveLength(1);
    }
    const read = (
      address: Address,
      abi: typeof stakingAbi | typeof paymentChannelsAbi,
      functionName: string,
    ) => chain.publicClient.readContract({ address, abi, functionName } as never);
    expect(await read(chain.contracts.paymentChannels, paymentChannelsAbi, 'feeBps')).toBe(250);
    expect(await read(chain.contracts.staking, stakingAbi, 'stakeFloorMultiplier')).toBe(20);
    expect(await read(chain.contracts.staking, stakingAbi, 'unbondingDelay')).toBe(3_600n);
    expect(await read(chain.contracts.staking, stakingAbi, 'challengerShareBps')).toBe(2_500);
    expect(await read(chain.contracts.staking, stakingAbi, 'defaultVerification')).toEqual([0, 0]);
    await chain.testClient.stopImpersonatingAccount({ address: timelock.address });
  });
});
