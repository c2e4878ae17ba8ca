// Image filter: reads a binary PGM (P5, maxval <= 255) from stdin and writes it to stdout
// blurred with a 3x3 box filter (edges clamped, rounded: (sum + 4) / 9), keeping the maxval.

function fail(message: string): void {
  process.stderr.write(`image-filter: ${message}\n`);
  process.exit(2);
}

function readStdin(): Uint8Array {
  let buffer = new ArrayBuffer(65536);
  let length = 0;
  while (true) {
    if (length === buffer.byteLength) {
      const bigger = new ArrayBuffer(buffer.byteLength * 2);
      memory.copy(changetype<usize>(bigger), changetype<usize>(buffer), length);
      buffer = bigger;
    }
    const read = process.stdin.read(buffer, length);
    if (read <= 0) break;
    length += read;
  }
  return Uint8Array.wrap(buffer, 0, length);
}

const input = readStdin();
let pos = 0;

function isSpace(c: u8): bool {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Reads the next header number, skipping whitespace and # comments. */
function headerNumber(): i32 {
  while (pos < input.length) {
    const c = input[pos];
    if (c === 0x23) {
      while (pos < input.length && input[pos] !== 0x0a) pos++;
    } else if (isSpace(c)) {
      pos++;
    } else break;
  }
  let value: i64 = 0;
  const start = pos;
  while (pos < input.length && input[pos] >= 0x30 && input[pos] <= 0x39) {
    value = value * 10 + <i64>(input[pos] - 0x30);
    if (value > 1_000_000) fail('header number too large');
    pos++;
  }
  if (pos === start) fail('malformed PGM header');
  return <i32>value;
}

if (input.length < 2 || input[0] !== 0x50 || input[1] !== 0x35) fail('not a binary PGM (P5) image');
pos = 2;
const width = headerNumber();
const height = headerNumber();
const maxval = headerNumber();
if (maxval < 1 || maxval > 255) fail('only maxval 1..255 is supported');
if (pos >= input.length || !isSpace(input[pos])) fail('malformed PGM header');
pos++;
const size = width * height;
if (input.length - pos < size) fail('truncated pixel data');

const header = String.UTF8.encode(`P5\n${width} ${height}\n${maxval}\n`);
const out = new Uint8Array(header.byteLength + size);
out.set(Uint8Array.wrap(header));
const base = header.byteLength;
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    let sum: u32 = 0;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = min(max(y + dy, 0), height - 1);
      for (let dx = -1; dx <= 1; dx++) {
        const xx = min(max(x + dx, 0), width - 1);
        sum += <u32>unchecked(input[pos + yy * width + xx]);
      }
    }
    out[base + y * width + x] = <u8>((sum + 4) / 9);
  }
}
process.stdout.write(out.buffer);
