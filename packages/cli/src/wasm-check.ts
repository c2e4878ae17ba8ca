import { IdlegridError } from '@idlegrid/protocol/light';

/** The part of the `WebAssembly` global used here (lib ES2023 without DOM does not declare it). */
interface WasmCompiler {
  Module: {
    new (bytes: Uint8Array): object;
    exports(module: object): { name: string; kind: string }[];
  };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmCompiler }).WebAssembly;

/**
 * Checks a module before anything is uploaded or paid for: it must be WebAssembly that this
 * machine's engine accepts, and a WASI command (it exports `_start`). The provider checks the
 * same again; this only spares the user a round trip through the network for a wrong file.
 */
export function checkWasiModule(bytes: Uint8Array, path: string): void {
  let module: object;
  try {
    module = new wasm.Module(bytes);
  } catch (cause) {
    throw new IdlegridError('WASM_INVALID_MODULE', `${path} is not a WebAssembly module`, {
      details: { path, reason: cause instanceof Error ? cause.message : String(cause) },
    });
  }
  const exports = wasm.Module.exports(module);
  if (!exports.some((entry) => entry.name === '_start' && entry.kind === 'function')) {
    throw new IdlegridError(
      'WASM_INVALID_MODULE',
      `${path} is not a WASI command: it exports no _start function`,
      {
        details: { path, hint: 'build it as a wasm32-wasi command (an executable, not a library)' },
      },
    );
  }
}
