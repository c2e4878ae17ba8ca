import { keyAddress, listKeys } from '@idlegrid/sdk/key-files';

/**
 * Names for addresses whose keys live in this data directory (a localnet's provider-1, client...),
 * so that tables show `provider-1` rather than an address alone.
 */
export async function knownNames(dataDir: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const name of await listKeys(dataDir)) {
    const address = await keyAddress(dataDir, name).catch(() => undefined);
    if (address) names.set(address.toLowerCase(), name);
  }
  return names;
}

/** `provider-1 (0x1234…abcd)` where the name is known, else the address. */
export function nameOrAddress(names: ReadonlyMap<string, string>, address: string | null): string {
  if (!address) return '-';
  const name = names.get(address.toLowerCase());
  return name ? `${name} (${address.slice(0, 6)}…${address.slice(-4)})` : address;
}
