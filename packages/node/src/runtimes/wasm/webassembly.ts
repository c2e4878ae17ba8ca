/**
 * Typed access to the `WebAssembly` global, which @types/node 20 (with lib ES2023, no DOM) does not
 * declare. Only what the runtime uses.
 */
export interface WasmModule {
  readonly [Symbol.toStringTag]: 'WebAssembly.Module';
}

export interface WasmModuleEntry {
  module?: string;
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Module: {
    imports(module: WasmModule): Array<Required<WasmModuleEntry>>;
    exports(module: WasmModule): WasmModuleEntry[];
  };
}

export const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
