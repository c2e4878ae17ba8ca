import { IdlegridError } from '@idlegrid/protocol';

/** Bytes of one WebAssembly page. */
export const WASM_PAGE_BYTES = 65_536;

const MEMORY_SECTION = 5;
const HAS_MAX = 0x01;
const MEMORY64 = 0x04;
const KNOWN_FLAGS = 0x07; // has-max, shared, memory64; custom page sizes are refused

/** The limits (in pages) of one memory declared in the module's memory section. */
export interface MemoryDeclaration {
  flags: number;
  minPages: number;
  maxPages: number | undefined;
}

interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  contentStart: number;
  end: number;
}

function invalid(message: string): IdlegridError {
  return new IdlegridError('WASM_INVALID_MODULE', message);
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
  ) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw invalid('unexpected end of module');
    return this.bytes[this.offset++]!;
  }

  /** Unsigned LEB128, as a number (exact up to 2^53). */
  uleb(maxBytes = 5): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw invalid('malformed LEB128 integer');
  }
}

function encodeUleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return out;
}

function sections(bytes: Uint8Array): Section[] {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || header.some((byte, i) => bytes[i] !== byte)) {
    throw invalid('not a WebAssembly module (bad magic or version)');
  }
  const reader = new Reader(bytes, 8);
  const found: Section[] = [];
  while (reader.offset < bytes.length) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.uleb();
    const contentStart = reader.offset;
    const end = contentStart + size;
    if (end > bytes.length) throw invalid('section runs past the end of the module');
    found.push({ id, start, contentStart, end });
    reader.offset = end;
  }
  return found;
}

function readMemories(bytes: Uint8Array, section: Section): MemoryDeclaration[] {
  const reader = new Reader(bytes, section.contentStart);
  const count = reader.uleb();
  const memories: MemoryDeclaration[] = [];
  for (let i = 0; i < count; i++) {
    const flags = reader.uleb();
    if ((flags & ~KNOWN_FLAGS) !== 0) throw invalid(`unsupported memory flags 0x${flags.toString(16)}`);
    const width = flags & MEMORY64 ? 10 : 5;
    const minPages = reader.uleb(width);
    const maxPages = flags & HAS_MAX ? reader.uleb(width) : undefined;
    memories.push({ flags, minPages, maxPages });
  }
  if (reader.offset !== section.end) throw invalid('malformed memory section');
  return memories;
}

/** The memories a module defines itself (imported memories are refused elsewhere). */
export function declaredMemories(bytes: Uint8Array): MemoryDeclaration[] {
  const section = sections(bytes).find(({ id }) => id === MEMORY_SECTION);
  return section ? readMemories(bytes, section) : [];
}

/**
 * Caps every memory of the module at `limitPages`. We patch rather than refuse: most toolchains
 * (AssemblyScript, clang/wasi-libc, Rust) declare no maximum by default, so refusing those would
 * refuse nearly every real module. The engine then enforces the cap itself: `memory.grow` past it
 * returns -1 (the module's allocator fails or traps) and no host memory is committed beyond it.
 * A module whose *initial* size exceeds the limit cannot run at all and is refused with
 * `WASM_MEMORY_LIMIT`. Returns the input unchanged when every declared maximum already fits.
 */
export function capMemory(bytes: Uint8Array, limitPages: number): Uint8Array {
  const section = sections(bytes).find(({ id }) => id === MEMORY_SECTION);
  if (!section) return bytes;
  const memories = readMemories(bytes, section);
  for (const memory of memories) {
    if (memory.minPages > limitPages) {
      throw new IdlegridError(
        'WASM_MEMORY_LIMIT',
        `module needs ${memory.minPages} pages of memory at start, the limit allows ${limitPages}`,
        {
          details: { minBytes: memory.minPages * WASM_PAGE_BYTES, limitBytes: limitPages * WASM_PAGE_BYTES },
        },
      );
    }
  }
  if (memories.every(({ maxPages }) => maxPages !== undefined && maxPages <= limitPages)) return bytes;
  const content = [...encodeUleb(memories.length)];
  for (const { flags, minPages, maxPages } of memories) {
    const max = maxPages === undefined ? limitPages : Math.min(maxPages, limitPages);
    content.push(...encodeUleb(flags | HAS_MAX), ...encodeUleb(minPages), ...encodeUleb(max));
  }
  const head = [MEMORY_SECTION, ...encodeUleb(content.length), ...content];
  const patched = new Uint8Array(bytes.length - (section.end - section.start) + head.length);
  patched.set(bytes.subarray(0, section.start), 0);
  patched.set(head, section.start);
  patched.set(bytes.subarray(section.end), section.start + head.length);
  return patched;
}
