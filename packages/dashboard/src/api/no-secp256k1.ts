/**
 * Stands in for tiny-secp256k1 in the browser bundle (see vite.config.ts). The wallet signs
 * with viem's accounts; recovering signers is the coordinator's and the providers' work.
 */
const unavailable = (): never => {
  throw new Error('secp256k1 through WebAssembly is not bundled in the dashboard');
};
export const recover = unavailable;
export const signRecoverable = unavailable;
