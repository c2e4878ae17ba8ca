import { isIdlegridError } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { capMemory, declaredMemories } from './module-binary.js';
import { encodeModule } from './test-modules.js';
import { wasmApi } from './webassembly.js';

const withMemory = (memory: { min: number; max?: number }) =>
  encodeModule({ types: [], memory, exports: [{ name: 'memory', kind: 'memory', index: 0 }] });

describe('capMemory', () => {
  it('adds a maximum to a memory that has none', async () => {
    const patched = capMemory(withMemory({ min: 2 }), 300);
    expect(declaredMemories(patched)).toEqual([{ flags: 1, minPages: 2, maxPages: 300 }]);
    await expect(wasmApi.compile(patched)).resolves.toBeDefined();
  });

  it('lowers a maximum above the limit and keeps one below it', () => {
    expect(declaredMemories(capMemory(withMemory({ min: 1, max: 1000 }), 16))[0]?.maxPages).toBe(16);
    const small = withMemory({ min: 1, max: 8 });
    expect(capMemory(small, 16)).toBe(small);
  });

  it('refuses a memory whose initial size exceeds the limit', () => {
    expect(() => capMemory(withMemory({ min: 17 }), 16)).toThrow(
      expect.objectContaining({ code: 'WASM_MEMORY_LIMIT' }),
    );
  });

  it('refuses bytes that are not a module', () => {
    try {
      capMemory(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), 16);
      expect.unreachable();
    } catch (error) {
      expect(isIdlegridError(error, 'WASM_INVALID_MODULE')).toBe(true);
    }
  });
});
