import { paymentChannelsAbi, stakingAbi } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { NetworkConfig } from '@idlegrid/sdk';
import { encodeFunctionData } from 'viem';
import { formatVerification, parseVerification } from '../verify/policy.js';
import type { ParameterChange, ParameterName } from './api.js';
import { policyToChain } from './verification-encoding.js';

/**
 * The bounds each contract enforces (PaymentChannels.MAX_FEE_BPS, Staking's MIN/MAX_*), checked
 * here too so a proposal that could never execute is refused before anyone votes on it.
 * parameters.test.ts reads the contracts' constants to keep the two equal.
 */
export const BOUNDS = {
  'protocol-fee': { min: 0, max: 1_000 },
  'stake-floor-multiple': { min: 1, max: 100 },
  'unbonding-delay': { min: 3_600, max: 90 * 86_400 },
  'challenger-share': { min: 0, max: 10_000 },
} as const;

export const PARAMETER_NAMES: readonly ParameterName[] = [
  'protocol-fee',
  'stake-floor-multiple',
  'unbonding-delay',
  'challenger-share',
  'default-verification',
];

/** What each parameter means, and the unit of its value (for help and docs). */
export const PARAMETER_HELP: Record<ParameterName, string> = {
  'protocol-fee': 'fee on redeemed vouchers, basis points (250 = 2.5%), 0 to 1000',
  'stake-floor-multiple': 'stake a provider needs per unit of job value (and the slash), 1 to 100',
  'unbonding-delay': 'seconds (or 12h, 7d) that unbonding stake stays slashable, 1h to 90d',
  'challenger-share': "a slash's share for whoever proved the fault, basis points, 0 to 10000",
  'default-verification':
    'policy for jobs that name none: none, sample(P), replicate(K), canary or canary(P)',
};

/** Turns `--param NAME --value VALUE` into the timelock call that makes the change. */
export function parameterChange(network: NetworkConfig, name: string, text: string): ParameterChange {
  if (!(PARAMETER_NAMES as readonly string[]).includes(name)) {
    throw new IdlegridError('GOV_PARAMETER_UNKNOWN', `no governed parameter "${name}"`, {
      details: { known: [...PARAMETER_NAMES] },
    });
  }
  const param = name as ParameterName;
  const staking = (functionName: string, args: readonly unknown[]) => ({
    target: network.staking,
    calldata: encodeFunctionData({ abi: stakingAbi, functionName, args } as never),
  });
  if (param === 'default-verification') {
    if (text.trim() === '') throw outOfBounds(param, text, 'a policy');
    const policy = parseVerification(text, { default: { kind: 'none' }, adversarialShare: 0.1 });
    const { kind, value } = policyToChain(policy);
    return {
      name: param,
      value: formatVerification(policy),
      ...staking('setDefaultVerification', [kind, value]),
      apply: (values) => ({ ...values, defaultVerification: policy }),
    };
  }
  const value = param === 'unbonding-delay' ? parseDuration(text) : parseInteger(text);
  const { min, max } = BOUNDS[param];
  if (value === undefined || value < min || value > max) {
    throw outOfBounds(param, text, `from ${min} to ${max}`, { min, max });
  }
  const common = { name: param, value: String(value) };
  switch (param) {
    case 'protocol-fee':
      return {
        ...common,
        target: network.paymentChannels,
        calldata: encodeFunctionData({ abi: paymentChannelsAbi, functionName: 'setFeeBps', args: [value] }),
        apply: (v) => ({ ...v, feeBps: value }),
      };
    case 'stake-floor-multiple':
      return {
        ...common,
        ...staking('setStakeFloorMultiplier', [value]),
        apply: (v) => ({ ...v, stakeFloorMultiplier: value }),
      };
    case 'unbonding-delay':
      return {
        ...common,
        ...staking('setUnbondingDelay', [BigInt(value)]),
        apply: (v) => ({ ...v, unbondingDelaySeconds: value }),
      };
    case 'challenger-share':
      return {
        ...common,
        ...staking('setChallengerShareBps', [value]),
        apply: (v) => ({ ...v, challengerShareBps: value }),
      };
  }
}

function parseInteger(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/** Seconds, or a number with s, m, h or d. */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function outOfBounds(name: ParameterName, text: string, expected: string, bounds: object = {}) {
  return new IdlegridError(
    'GOV_PARAMETER_OUT_OF_BOUNDS',
    `${name} cannot be "${text}": expected ${expected}`,
    { details: { parameter: name, value: text, ...bounds } },
  );
}
