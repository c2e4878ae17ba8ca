import { formatAmount, parseAmount } from '@idlegrid/protocol/light';

/** Token base units (a decimal string) as GRID: the protocol's one amount formatter, thousands separated. */
export function formatGrid(baseUnits: string | null | undefined): string {
  if (baseUnits === null || baseUnits === undefined || baseUnits === '') return '—';
  const [whole = '0', fraction] = formatAmount(BigInt(baseUnits)).split('.');
  return `${BigInt(whole).toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} GRID`;
}

/** GRID as typed ("0.5") to base units. */
export function parseGrid(text: string): bigint {
  return parseAmount(text, 'the amount of GRID');
}

/** 0x1234…abcd */
export function shortAddress(address: string | null | undefined): string {
  if (!address) return '—';
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** An offer's model entry (`runtime:name@cid`) by its name, `name (runtime)`: the CID goes in a title. */
export function modelName(entry: string): string {
  const [runtimeAndName = entry] = entry.split('@');
  const colon = runtimeAndName.indexOf(':');
  return colon < 0
    ? runtimeAndName
    : `${runtimeAndName.slice(colon + 1)} (${runtimeAndName.slice(0, colon)})`;
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
