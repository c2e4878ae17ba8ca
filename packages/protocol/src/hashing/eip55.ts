/**
 * EIP-55: a hex digit of the address is upper case where the keccak-256 of the lower-case
 * address has a nibble >= 8. The hasher is given, so that light callers need not load viem.
 */
export function checksumAddress(
  lowerHex: string,
  keccak256: (data: Uint8Array) => Uint8Array,
): `0x${string}` {
  const hash = keccak256(new TextEncoder().encode(lowerHex));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0x0f;
    out += nibble >= 8 ? lowerHex[i]!.toUpperCase() : lowerHex[i];
  }
  return out as `0x${string}`;
}
