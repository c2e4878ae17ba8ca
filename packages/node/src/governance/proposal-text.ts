import { createHash } from 'node:crypto';
import type { ParameterChange } from './api.js';
import type { Forecast } from './forecast/forecast.js';
import { forecastTable } from './forecast/forecast-table.js';

const FORECAST_MARK = 'idlegrid-forecast';

/**
 * A proposal's description: a title line, the proposer's text, the forecast as a table, and the
 * forecast itself as JSON with its sha-256. The description is on-chain from the moment of
 * proposing (it is in the proposal's id), so every voter sees the same forecast before voting opens.
 */
export function proposalDescription(
  change: ParameterChange,
  currentValue: string,
  text: string,
  forecast: Forecast,
): string {
  const json = JSON.stringify(forecast, roundNumbers);
  return [
    `Set ${change.name} to ${change.value} (now ${currentValue})`,
    '',
    text.trim(),
    '',
    forecastTable(forecast),
    '',
    `<!-- ${FORECAST_MARK} sha256:${sha256(json)} ${json} -->`,
  ].join('\n');
}

export interface ParsedDescription {
  title: string;
  /** The forecast attached, if any, and whether it still matches its hash. */
  forecast?: { data: Forecast; hash: string; intact: boolean; table: string };
}

export function parseDescription(description: string): ParsedDescription {
  const title = description.split('\n', 1)[0] ?? '';
  const match = new RegExp(`<!-- ${FORECAST_MARK} sha256:([0-9a-f]{64}) (.*) -->`).exec(description);
  if (!match) return { title };
  try {
    const data = JSON.parse(match[2]!) as Forecast;
    return {
      title,
      forecast: { data, hash: match[1]!, intact: sha256(match[2]!) === match[1], table: forecastTable(data) },
    };
  } catch {
    return { title };
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Six significant digits: a forecast is an estimate, and every byte of it is calldata. */
function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}
