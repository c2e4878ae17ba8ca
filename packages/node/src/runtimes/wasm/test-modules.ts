/**
 * A tiny WebAssembly binary encoder for hand-made test modules (no WAT toolchain needed), and the
 * modules the runtime tests use. Bodies are raw opcodes; see the WebAssembly spec, binary format.
 */
const I32 = 0x7f;
const I64 = 0x7e;

export interface FunctionType {
  params: number[];
  results: number[];
}

export interface ModuleSpec {
  types: FunctionType[];
  imports?: Array<{ module: string; name: string; type: number }>;
  memory?: { min: number; max?: number };
  /** Function bodies; `locals` is a number of extra i32 locals. */
  funcs?: Array<{ type: number; locals?: number; body: number[] }>;
  exports?: Array<{ name: string; kind: 'func' | 'memory'; index: number }>;
  data?: Array<{ offset: number; bytes: number[] }>;
}

export function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    out.push(rest ? low | 0x80 : low);
  } while (rest);
  return out;
}

export function sleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (true) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (text: string): number[] => {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
};
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];

export function encodeModule(spec: ModuleSpec): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  out.push(
    ...section(
      1,
      vec(
        spec.types.map(({ params, results }) => [
          0x60,
          ...vec(params.map((t) => [t])),
          ...vec(results.map((t) => [t])),
        ]),
      ),
    ),
  );
  if (spec.imports?.length) {
    out.push(
      ...section(
        2,
        vec(spec.imports.map((i) => [...name(i.module), ...name(i.name), 0x00, ...uleb(i.type)])),
      ),
    );
  }
  const funcs = spec.funcs ?? [];
  if (funcs.length) out.push(...section(3, vec(funcs.map(({ type }) => uleb(type)))));
  if (spec.memory) {
    const { min, max } = spec.memory;
    const limits = max === undefined ? [0x00, ...uleb(min)] : [0x01, ...uleb(min), ...uleb(max)];
    out.push(...section(5, vec([limits])));
  }
  if (spec.exports?.length) {
    out.push(
      ...section(
        7,
        vec(spec.exports.map((e) => [...name(e.name), e.kind === 'func' ? 0x00 : 0x02, ...uleb(e.index)])),
      ),
    );
  }
  if (funcs.length) {
    const bodies = funcs.map(({ locals = 0, body }) => {
      const code = [...(locals ? vec([[...uleb(locals), I32]]) : [0x00]), ...body, 0x0b];
      return [...uleb(code.length), ...code];
    });
    out.push(...section(10, vec(bodies)));
  }
  if (spec.data?.length) {
    out.push(
      ...section(
        11,
        vec(spec.data.map((d) => [0x00, 0x41, ...sleb(d.offset), 0x0b, ...uleb(d.bytes.length), ...d.bytes])),
      ),
    );
  }
  return new Uint8Array(out);
}

const i32 = (value: number) => [0x41, ...sleb(value)];
const call = (index: number) => [0x10, ...uleb(index)];
const WASI = 'wasi_snapshot_preview1';
const START = { types: [{ params: [], results: [] }] };

/** A WASI command with `proc_exit` as function 0 and `_start` as function 1 running `body`. */
function command(body: number[], extra: Partial<ModuleSpec> = {}): Uint8Array {
  const extraImports = extra.imports ?? [];
  return encodeModule({
    types: [...START.types, { params: [I32], results: [] }, ...(extra.types ?? [])],
    imports: [{ module: WASI, name: 'proc_exit', type: 1 }, ...extraImports],
    memory: extra.memory ?? { min: 1 },
    funcs: [{ type: 0, locals: 1, body }],
    exports: [
      { name: 'memory', kind: 'memory', index: 0 },
      { name: '_start', kind: 'func', index: 1 + extraImports.length },
    ],
    data: extra.data ?? [],
  });
}

/** Exits with `code` through proc_exit. */
export const exitWith = (code: number) => command([...i32(code), ...call(0)]);

/** Loops forever. */
export const spinForever = () => command([0x03, 0x40, 0x0c, 0x00, 0x0b]);

/** Grows memory one page at a time until growth fails, then exits with memory.size (pages). */
export const growThenExitWithSize = (memory: { min: number; max?: number } = { min: 1 }) =>
  command(
    [
      ...[0x02, 0x40, 0x03, 0x40], // block loop
      ...[...i32(1), 0x40, 0x00, ...i32(-1), 0x46, 0x0d, 0x01, 0x0c, 0x00], // grow; == -1 ? break : again
      ...[0x0b, 0x0b],
      ...[0x3f, 0x00, ...call(0)], // proc_exit(memory.size)
    ],
    { memory },
  );

/** Grows memory until growth fails, then traps (`unreachable`). */
export const growThenTrap = () =>
  command([
    0x02,
    0x40,
    0x03,
    0x40,
    ...i32(1),
    0x40,
    0x00,
    ...i32(-1),
    0x46,
    0x0d,
    0x01,
    0x0c,
    0x00,
    0x0b,
    0x0b,
    0x00,
  ]);

/** Writes `text` to stdout `times` times with fd_write, then returns. */
export function writeRepeatedly(text: string, times: number): Uint8Array {
  const bytes = [...new TextEncoder().encode(text)];
  const fdWrite = 1; // function index of the fd_write import
  return command(
    [
      ...[0x03, 0x40], // loop
      ...[...i32(1), ...i32(0), ...i32(1), ...i32(8), ...call(fdWrite), 0x1a], // fd_write(1, iov@0, 1, n@8); drop
      ...[0x20, 0x00, ...i32(1), 0x6a, 0x22, 0x00, ...i32(times), 0x47, 0x0d, 0x00], // ++i != times ? again
      0x0b,
    ],
    {
      types: [{ params: [I32, I32, I32, I32], results: [I32] }],
      imports: [{ module: WASI, name: 'fd_write', type: 2 }],
      data: [
        { offset: 0, bytes: [16, 0, 0, 0, ...uleb4(bytes.length)] },
        { offset: 16, bytes },
      ],
    },
  );
}

const uleb4 = (value: number) => [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >>> 24];

/**
 * Opens `path` in the scratch preopen (fd 3) with path_open, first with `oflags` = O_CREAT when
 * `create`, then (when `reopen`) again without flags; exits with the last errno (0: success).
 */
const RIGHTS_READ_WRITE = (1 << 1) | (1 << 6); // fd_read | fd_write

export function openInScratch(
  path: string,
  { create, reopen = false }: { create: boolean; reopen?: boolean },
) {
  const bytes = [...new TextEncoder().encode(path)];
  const pathOpen = 1;
  const open = (oflags: number) => [
    ...[...i32(3), ...i32(0), ...i32(64), ...i32(bytes.length), ...i32(oflags)], // dirfd, dirflags, path, oflags
    ...[0x42, ...sleb(RIGHTS_READ_WRITE), 0x42, 0x00, ...i32(0), ...i32(8)], // rights, fdflags 0, fd out @8
    ...call(pathOpen),
  ];
  const body = create ? open(1) : open(0);
  const second = reopen ? [0x1a, ...open(0)] : [];
  return command([...body, ...second, ...call(0)], {
    types: [{ params: [I32, I32, I32, I32, I32, I64, I64, I32, I32], results: [I32] }],
    imports: [{ module: WASI, name: 'path_open', type: 2 }],
    data: [{ offset: 64, bytes }],
  });
}

/** A module importing `name` from `from`. */
export const importing = (from: string, name: string) =>
  command([...i32(0), ...call(0)], {
    types: [{ params: [], results: [] }],
    imports: [{ module: from, name, type: 0 }],
  });
