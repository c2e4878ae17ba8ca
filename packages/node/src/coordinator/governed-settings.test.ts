import { sendContractTx, stakingAbi } from '@idlegrid/contracts';
import { startTestChain, type TestChain, timelockActor } from '@idlegrid/contracts/testing';
import type { NetworkConfig } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkParameterValues } from '../governance/api.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { testJob, testProfile } from '../scheduler/testing.js';
import { followGovernedParameters } from './governed-settings.js';

let chain: TestChain;
let network: NetworkConfig;
beforeAll(async () => {
  chain = await startTestChain({ stakeFloorMultiplier: 5 });
  network = { rpcUrl: chain.anvil.rpcUrl, embedded: false, ...chain.contracts };
});
afterAll(() => chain?.stop());

describe('a coordinator following governance', () => {
  it('places and verifies by the parameters in force, not those it started with', async () => {
    const scheduler = new Scheduler({ policy: 'cheapest' });
    // Stake 600 covers a job of max price 100 at a floor of 5, not at one of 10.
    scheduler.upsertProvider(testProfile({ stake: 600 }), 0);
    const seen: NetworkParameterValues[] = [];
    const following = await followGovernedParameters(
      network,
      (values) => {
        seen.push(values);
        scheduler.setStakeFactor(values.stakeFloorMultiplier);
      },
      { everyMs: 50 },
    );
    try {
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ stakeFloorMultiplier: 5, defaultVerification: { kind: 'none' } });
      expect(scheduler.place(testJob({ id: 'a', maxPrice: 100 }), 0).placed).toBe(true);
      scheduler.release('a');

      const timelock = await timelockActor(chain);
      const set = (functionName: string, args: readonly unknown[]) =>
        sendContractTx(chain.clientsOf(timelock), {
          address: chain.contracts.staking,
          abi: stakingAbi,
          functionName,
          args,
        } as never);
      await set('setStakeFloorMultiplier', [10]);
      await set('setDefaultVerification', [1, 100_000]);
      await expect
        .poll(() => seen.at(-1), { timeout: 5_000 })
        .toMatchObject({
          stakeFloorMultiplier: 10,
          defaultVerification: { kind: 'sample', probability: 0.1 },
        });
      const outcome = scheduler.place(testJob({ id: 'b', maxPrice: 100 }), 0);
      expect(outcome.placed).toBe(false);
    } finally {
      following.stop();
    }
  });
});
