// Hash chain: h = input bytes; K times h = sha256(h); prints hex(h).
// Usage: hash-chain K [INPUT]; without INPUT the input is read from stdin.

function fail(message: string): void {
  process.stderr.write(`hash-chain: ${message}\n`);
  process.exit(2);
}

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const H0: StaticArray<u32> = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const state = new StaticArray<u32>(8);
const w = new StaticArray<u32>(64);
const block = new Uint8Array(64);

function compress(data: Uint8Array, offset: i32): void {
  for (let i = 0; i < 16; i++) {
    const p = offset + i * 4;
    w[i] = ((<u32>data[p]) << 24) | ((<u32>data[p + 1]) << 16) | ((<u32>data[p + 2]) << 8) | <u32>data[p + 3];
  }
  for (let i = 16; i < 64; i++) {
    const w15 = unchecked(w[i - 15]);
    const w2 = unchecked(w[i - 2]);
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    w[i] = unchecked(w[i - 16]) + s0 + unchecked(w[i - 7]) + s1;
  }
  let a = state[0],
    b = state[1],
    c = state[2],
    d = state[3];
  let e = state[4],
    f = state[5],
    g = state[6],
    h = state[7];
  for (let i = 0; i < 64; i++) {
    const t1 =
      h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[i]) + unchecked(w[i]);
    const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

/** SHA-256 of `data`, written big-endian into `out` (32 bytes). */
function sha256(data: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < 8; i++) state[i] = H0[i];
  const length = data.length;
  let offset = 0;
  for (; offset + 64 <= length; offset += 64) compress(data, offset);
  const rest = length - offset;
  block.fill(0);
  for (let i = 0; i < rest; i++) block[i] = data[offset + i];
  block[rest] = 0x80;
  if (rest >= 56) {
    compress(block, 0);
    block.fill(0);
  }
  const bits = <u64>length * 8;
  for (let i = 0; i < 8; i++) block[63 - i] = <u8>(bits >>> (<u64>i * 8));
  compress(block, 0);
  for (let i = 0; i < 8; i++) {
    const v = state[i];
    out[i * 4] = <u8>(v >>> 24);
    out[i * 4 + 1] = <u8>(v >>> 16);
    out[i * 4 + 2] = <u8>(v >>> 8);
    out[i * 4 + 3] = <u8>v;
  }
}

function readStdin(): Uint8Array {
  let buffer = new ArrayBuffer(4096);
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

const args = process.argv;
if (args.length < 2) fail('usage: hash-chain K [INPUT]');
const rounds = I32.parseInt(args[1], 10);
if (rounds < 0) fail('K must be a non-negative integer');
let current = args.length >= 3 ? Uint8Array.wrap(String.UTF8.encode(args[2])) : readStdin();
if (rounds > 0) {
  let from = new Uint8Array(32);
  let to = new Uint8Array(32);
  sha256(current, from);
  for (let i = 1; i < rounds; i++) {
    sha256(from, to);
    const swap = from;
    from = to;
    to = swap;
  }
  current = from;
}
const hex = '0123456789abcdef';
let text = '';
for (let i = 0; i < current.length; i++) {
  text += hex.charAt(current[i] >> 4) + hex.charAt(current[i] & 15);
}
process.stdout.write(`${text}\n`);
