// hash-wasm's Keccak alone (11 KB): its index bundles every algorithm's WebAssembly (270 KB),
// which every process that signs would parse at start. The per-algorithm build has no types.
declare module 'hash-wasm/dist/keccak.umd.min.js' {
  import type { IHasher } from 'hash-wasm';

  const keccak: { createKeccak(bits?: 224 | 256 | 384 | 512): Promise<IHasher> };
  export default keccak;
}
