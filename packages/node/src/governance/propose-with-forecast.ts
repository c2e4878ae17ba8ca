import type { SignerContext } from '@idlegrid/sdk';
import { formatVerification } from '../verify/policy.js';
import type { NetworkParameterValues, ParameterName } from './api.js';
import {
  FORECAST_DEFAULTS,
  type Forecast,
  type ForecastSettings,
  forecastChange,
} from './forecast/forecast.js';
import { proposeChange } from './governor-actions.js';
import { parameterChange } from './parameters.js';
import { proposalDescription } from './proposal-text.js';
import { readNetworkParameters } from './read-parameters.js';

export interface ParameterProposal {
  proposalId: bigint;
  description: string;
  forecast: Forecast;
  transactionHash: `0x${string}`;
}

/**
 * Proposes a parameter change with its forecast: reads the parameters in force, runs the
 * simulators with and without the change, and proposes with the forecast in the description.
 */
export async function proposeParameter(
  ctx: SignerContext,
  request: { param: string; value: string; text: string; settings?: ForecastSettings },
): Promise<ParameterProposal> {
  const change = parameterChange(ctx.network, request.param, request.value);
  const now = await readNetworkParameters(ctx.network);
  const forecast = forecastChange(now, change.apply(now), request.settings ?? FORECAST_DEFAULTS);
  const description = proposalDescription(change, currentValue(now, change.name), request.text, forecast);
  const { proposalId, sent } = await proposeChange(ctx, change, description);
  return { proposalId, description, forecast, transactionHash: sent.hash };
}

export function currentValue(values: NetworkParameterValues, name: ParameterName): string {
  switch (name) {
    case 'protocol-fee':
      return String(values.feeBps);
    case 'stake-floor-multiple':
      return String(values.stakeFloorMultiplier);
    case 'unbonding-delay':
      return String(values.unbondingDelaySeconds);
    case 'challenger-share':
      return String(values.challengerShareBps);
    case 'default-verification':
      return formatVerification(values.defaultVerification);
  }
}
