/**
 * Node's crypto module where it runs (undefined in a browser), imported by a name bundlers leave
 * alone, as signing/secp256k1.ts imports the native curve. Its hashes and ciphers run several
 * times faster than the pure-JavaScript ones, which are the fallback.
 */
type NodeCrypto = typeof import('node:crypto');

let loaded: NodeCrypto | undefined;

export const nodeCrypto: Promise<NodeCrypto | undefined> = (async () => {
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  const specifier = 'node:crypto';
  try {
    loaded = (await import(/* @vite-ignore */ specifier)) as NodeCrypto;
    return loaded;
  } catch {
    return undefined;
  }
})();

/** Node's crypto module once its import has settled (a turn after this module loads); undefined before that and in browsers. */
export function nodeCryptoNow(): NodeCrypto | undefined {
  return loaded;
}
