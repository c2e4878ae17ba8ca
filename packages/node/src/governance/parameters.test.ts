import { paymentChannelsAbi, stakingAbi } from '@idlegrid/contracts';
import { startTestChain, type TestChain } from '@idlegrid/contracts/testing';
import type { NetworkConfig } from '@idlegrid/sdk';
import { decodeFunctionData } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDS, parameterChange } from './parameters.js';
import { policyFromChain, policyToChain } from './verification-encoding.js';

let chain: TestChain;
let network: NetworkConfig;
beforeAll(async () => {
  chain = await startTestChain();
  network = { rpcUrl: chain.anvil.rpcUrl, embedded: false, ...chain.contracts };
});
afterAll(() => chain?.stop());

describe('governed parameters', () => {
  it('checks the same bounds as the contracts', async () => {
    const constant = (
      address: `0x${string}`,
      abi: typeof stakingAbi | typeof paymentChannelsAbi,
      name: string,
    ) => chain.publicClient.readContract({ address, abi, functionName: name } as never).then(Number);
    expect(BOUNDS['protocol-fee'].max).toBe(
      await constant(network.paymentChannels, paymentChannelsAbi, 'MAX_FEE_BPS'),
    );
    expect(BOUNDS['unbonding-delay']).toEqual({
      min: await constant(network.staking, stakingAbi, 'MIN_UNBONDING_DELAY'),
      max: await constant(network.staking, stakingAbi, 'MAX_UNBONDING_DELAY'),
    });
    expect(BOUNDS['stake-floor-multiple'].max).toBe(
      await constant(network.staking, stakingAbi, 'MAX_STAKE_FLOOR_MULTIPLIER'),
    );
  });

  it('turns a value into the timelock call, durations and policies included', () => {
    const fee = parameterChange(network, 'protocol-fee', '250');
    expect(fee.target).toBe(network.paymentChannels);
    expect(decodeFunctionData({ abi: paymentChannelsAbi, data: fee.calldata })).toMatchObject({
      functionName: 'setFeeBps',
      args: [250],
    });
    const delay = parameterChange(network, 'unbonding-delay', '2d');
    expect(delay.value).toBe('172800');
    expect(decodeFunctionData({ abi: stakingAbi, data: delay.calldata }).args).toEqual([172_800n]);
    const policy = parameterChange(network, 'default-verification', 'sample:0.05');
    expect(policy.value).toBe('sample(0.05)');
    expect(decodeFunctionData({ abi: stakingAbi, data: policy.calldata }).args).toEqual([1, 50_000]);
    expect(
      policy.apply({
        feeBps: 1,
        stakeFloorMultiplier: 1,
        unbondingDelaySeconds: 1,
        challengerShareBps: 1,
        defaultVerification: { kind: 'none' },
      }).defaultVerification,
    ).toEqual({ kind: 'sample', probability: 0.05 });
  });

  it('refuses unknown parameters, malformed values and values out of bounds', () => {
    expect(() => parameterChange(network, 'quorum', '5')).toThrow(
      expect.objectContaining({ code: 'GOV_PARAMETER_UNKNOWN' }),
    );
    for (const [name, value] of [
      ['protocol-fee', '-1'],
      ['protocol-fee', '2.5'],
      ['stake-floor-multiple', '0'],
      ['challenger-share', '10001'],
      ['unbonding-delay', '91d'],
      ['default-verification', ''],
    ]) {
      expect(() => parameterChange(network, name!, value!), `${name}=${value}`).toThrow(
        expect.objectContaining({ code: 'GOV_PARAMETER_OUT_OF_BOUNDS' }),
      );
    }
    expect(() => parameterChange(network, 'default-verification', 'replicate(9)')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('encodes verification policies the way Staking stores them, both ways', () => {
    for (const policy of [
      { kind: 'none' },
      { kind: 'sample', probability: 0.125 },
      { kind: 'replicate', replicas: 3 },
      { kind: 'canary' },
      { kind: 'canary', probability: 0.2 },
    ] as const) {
      const { kind, value } = policyToChain(policy);
      expect(policyFromChain(kind, value)).toEqual(policy);
    }
  });
});
