import { formatUnits, parseUnits } from 'viem';

const DECIMALS = 18;

/** Token base units (a decimal string) as GRID with up to `digits` decimals, thousands separated. */
export function formatGrid(baseUnits: string | null | undefined, digits = 4): string {
  if (baseUnits === null || baseUnits === undefined || baseUnits === '') return '—';
  const [whole = '0', fraction = ''] = formatUnits(BigInt(baseUnits), DECIMALS).split('.');
  const shown = fraction.slice(0, digits).replace(/0+$/, '');
  return `${BigInt(whole).toLocaleString('en-US')}${shown ? `.${shown}` : ''} GRID`;
}

/** GRID as typed ("0.5") to base units. */
export function parseGrid(text: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text.trim())) throw new Error(`"${text}" is not an amount of GRID`);
  return parseUnits(text.trim(), DECIMALS);
}

/** 0x1234…abcd */
export function shortAddress(address: string | null | undefined): string {
  if (!address) return '—';
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function shortId(id: string): string {
  return `${id.slice(0, 10)}…`;
}

export function timeAgo(at: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
}

export function clockTime(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}

export function formatMb(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(mb % 1024 === 0 ? 0 : 1)} GiB` : `${mb} MiB`;
}
