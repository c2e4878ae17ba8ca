import { formatVerification } from '../../verify/policy.js';
import type { NetworkParameterValues } from '../api.js';
import type { Forecast, Outlook } from './forecast.js';

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;
const amount = (value: number) => Math.round(value).toLocaleString('en');
const ratio = (value: number) => value.toFixed(2);

const ROWS: [string, keyof Outlook, (value: number) => string][] = [
  ['client cost per job', 'clientCostPerJob', amount],
  ['provider earnings per job', 'providerEarningsPerJob', amount],
  ['treasury income per job', 'treasuryPerJob', amount],
  ['jobs served', 'jobsServed', percent],
  ['verification overhead (extra runs)', 'verificationOverhead', percent],
  ['wrong results accepted', 'wrongAccepted', percent],
  ['a wrong answer slashed', 'catchProbability', percent],
  ['slashes after the stake could leave', 'slashEscape', percent],
  ["cheating's gain over honesty (x job value)", 'cheatingGain', ratio],
  ["challenger's reward per proven cheat (x job value)", 'challengerReward', ratio],
];

export interface ForecastRow {
  label: string;
  now: string;
  proposed: string;
  change: string;
}

/** Each metric before and after, formatted for people (the table, the dashboard). */
export function forecastRows({ now, proposed }: Forecast): ForecastRow[] {
  return ROWS.map(([label, key, format]) => {
    const before = now.outlook[key];
    const after = proposed.outlook[key];
    return { label, now: format(before), proposed: format(after), change: change(before, after, format) };
  });
}

/** The forecast as a markdown table voters read in the proposal. */
export function forecastTable(forecast: Forecast): string {
  const { now, proposed, settings } = forecast;
  const lines = [
    `Forecast by the idlegrid marketplace and verification simulators (seed ${settings.seed}, ${settings.providers} providers, ${settings.jobs.toLocaleString('en')} market jobs, ${settings.verificationJobs.toLocaleString('en')} verified jobs, ${percent(settings.adversarialShare)} cheaters). Money is in the simulator's price units.`,
    '',
    `| | now (${describe(now.parameters)}) | proposed (${describe(proposed.parameters)}) | change |`,
    '| --- | --- | --- | --- |',
  ];
  for (const row of forecastRows(forecast)) {
    lines.push(`| ${row.label} | ${row.now} | ${row.proposed} | ${row.change} |`);
  }
  return lines.join('\n');
}

function change(before: number, after: number, format: (value: number) => string): string {
  if (before === after) return '=';
  if (format === amount && before !== 0) return `${after > before ? '+' : ''}${percent(after / before - 1)}`;
  const delta = after - before;
  return `${delta > 0 ? '+' : '-'}${format(Math.abs(delta))}`;
}

function describe(p: NetworkParameterValues): string {
  return `fee ${p.feeBps} bps, floor ${p.stakeFloorMultiplier}x, unbonding ${p.unbondingDelaySeconds} s, challenger ${p.challengerShareBps} bps, ${formatVerification(p.defaultVerification)}`;
}
