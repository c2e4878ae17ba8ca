import { type Address, keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { VERIFIER_ROLE } from '../deploy/deploy.js';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { stakingAbi } from '../generated/artifacts.js';
import { expectFailure } from '../testing/expect-revert.js';
import { type Actor, registerCoordinator, startTestChain, type TestChain } from '../testing/test-chain.js';

const DELAY = 86_400n;
let chain: TestChain;

beforeAll(async () => {
  chain = await startTestChain({
    unbondingDelaySeconds: DELAY,
    challengerShareBps: 4_000,
    stakeFloorMultiplier: 5,
    coordinatorMinStake: 20n * ONE_TOKEN,
  });
});
afterAll(() => chain?.stop());

const write = (actor: Actor, functionName: string, args: readonly unknown[]) =>
  sendContractTx(chain.clientsOf(actor), {
    address: chain.contracts.staking,
    abi: stakingAbi,
    functionName,
    args,
  } as never);
const read = <T>(functionName: string, args: readonly unknown[]) =>
  chain.publicClient.readContract({
    address: chain.contracts.staking,
    abi: stakingAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const stakeOf = async (provider: Address) => {
  const [bonded, unbonding] = await read<[bigint, bigint, bigint]>('stakeOf', [provider]);
  return { bonded, unbonding };
};
const evidence = (label: string) => keccak256(toHex(label));

async function stakedProvider(amount: bigint): Promise<Actor> {
  const provider = await chain.fundedActor(amount);
  await chain.approve(provider, chain.contracts.staking, amount);
  await write(provider, 'stake', [amount]);
  return provider;
}

describe('Staking', () => {
  it('bonds stake and reports the stake floor per job value', async () => {
    const provider = await stakedProvider(50n * ONE_TOKEN);
    expect(await stakeOf(provider.address)).toEqual({ bonded: 50n * ONE_TOKEN, unbonding: 0n });
    expect(await read('minStakeForJob', [ONE_TOKEN])).toBe(5n * ONE_TOKEN);
    expect(await read('canServe', [provider.address, 10n * ONE_TOKEN])).toBe(true);
    expect(await read('canServe', [provider.address, 10n * ONE_TOKEN + 1n])).toBe(false);
    await expectFailure(write(provider, 'stake', [0n]), 'INVALID_ARGUMENT', 'ZeroAmount');
  });

  it('releases unbonded stake only after the delay', async () => {
    const provider = await stakedProvider(10n * ONE_TOKEN);
    await expectFailure(
      write(provider, 'requestUnbond', [11n * ONE_TOKEN]),
      'STAKE_INSUFFICIENT',
      'InsufficientBonded',
    );
    await expectFailure(write(provider, 'withdraw', []), 'STAKE_INSUFFICIENT', 'NothingToWithdraw');
    await write(provider, 'requestUnbond', [4n * ONE_TOKEN]);
    expect(await stakeOf(provider.address)).toEqual({ bonded: 6n * ONE_TOKEN, unbonding: 4n * ONE_TOKEN });
    await expectFailure(write(provider, 'withdraw', []), 'WITHDRAW_LOCKED', 'StillUnbonding');
    await chain.increaseTime(DELAY);
    await write(provider, 'withdraw', []);
    expect(await chain.tokenBalance(provider.address)).toBe(4n * ONE_TOKEN);
    expect(await read('slashableStake', [provider.address])).toBe(6n * ONE_TOKEN);
  });

  it('slashes by the verifier, paying the challenger its share and the treasury the rest', async () => {
    const provider = await stakedProvider(10n * ONE_TOKEN);
    const challenger = await chain.newActor();
    const treasuryBefore = await chain.tokenBalance(chain.treasury.address);
    await write(chain.verifier, 'slash', [
      provider.address,
      5n * ONE_TOKEN,
      evidence('a'),
      challenger.address,
    ]);
    expect(await chain.tokenBalance(challenger.address)).toBe(2n * ONE_TOKEN);
    expect((await chain.tokenBalance(chain.treasury.address)) - treasuryBefore).toBe(3n * ONE_TOKEN);
    expect(await stakeOf(provider.address)).toEqual({ bonded: 5n * ONE_TOKEN, unbonding: 0n });
  });

  it('slashes unbonding stake too, so unbonding cannot dodge a pending slash', async () => {
    const provider = await stakedProvider(10n * ONE_TOKEN);
    await write(provider, 'requestUnbond', [8n * ONE_TOKEN]);
    await write(chain.verifier, 'slash', [
      provider.address,
      9n * ONE_TOKEN,
      evidence('b'),
      chain.treasury.address,
    ]);
    expect(await stakeOf(provider.address)).toEqual({ bonded: 0n, unbonding: ONE_TOKEN });
    await expectFailure(
      write(chain.verifier, 'slash', [
        provider.address,
        2n * ONE_TOKEN,
        evidence('c'),
        chain.treasury.address,
      ]),
      'STAKE_INSUFFICIENT',
      'SlashExceedsStake',
    );
  });

  it('refuses slashing by anyone without the verifier role, and evidence used twice', async () => {
    const provider = await stakedProvider(10n * ONE_TOKEN);
    const rogue = await chain.newActor();
    await expectFailure(
      write(rogue, 'slash', [provider.address, ONE_TOKEN, evidence('d'), rogue.address]),
      'NOT_AUTHORIZED',
      'AccessControlUnauthorizedAccount',
    );
    await expectFailure(
      write(provider, 'slash', [provider.address, ONE_TOKEN, evidence('d'), provider.address]),
      'NOT_AUTHORIZED',
    );
    await write(chain.verifier, 'slash', [provider.address, ONE_TOKEN, evidence('d'), rogue.address]);
    await expectFailure(
      write(chain.verifier, 'slash', [provider.address, ONE_TOKEN, evidence('d'), rogue.address]),
      'EVIDENCE_REPLAYED',
      'EvidenceAlreadyUsed',
    );
    expect(await stakeOf(provider.address)).toEqual({ bonded: 9n * ONE_TOKEN, unbonding: 0n });
  });

  it('lets a verifier slash only while an active coordinator, and at most its own bond', async () => {
    const provider = await stakedProvider(50n * ONE_TOKEN);
    const verifier = await chain.fundedActor(20n * ONE_TOKEN);
    await write(chain.deployer, 'grantRole', [VERIFIER_ROLE, verifier.address]);
    await expectFailure(
      write(verifier, 'slash', [provider.address, ONE_TOKEN, evidence('f'), verifier.address]),
      'COORDINATOR_UNREGISTERED',
      'CoordinatorNotActive',
    );
    await registerCoordinator(chain, verifier, 20n * ONE_TOKEN);
    await expectFailure(
      write(verifier, 'slash', [provider.address, 21n * ONE_TOKEN, evidence('f'), verifier.address]),
      'STAKE_INSUFFICIENT',
      'SlashExceedsCoordinatorStake',
    );
    await write(verifier, 'slash', [provider.address, 20n * ONE_TOKEN, evidence('f'), verifier.address]);
    expect(await stakeOf(provider.address)).toEqual({ bonded: 30n * ONE_TOKEN, unbonding: 0n });
  });

  it('sends the whole slash to the treasury when there is no challenger', async () => {
    const provider = await stakedProvider(ONE_TOKEN);
    const before = await chain.tokenBalance(chain.treasury.address);
    const zero = '0x0000000000000000000000000000000000000000';
    await write(chain.verifier, 'slash', [provider.address, ONE_TOKEN, evidence('e'), zero]);
    expect((await chain.tokenBalance(chain.treasury.address)) - before).toBe(ONE_TOKEN);
  });
});
