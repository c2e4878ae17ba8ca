// Feed report: reads a feed's verified readings of one quantity from stdin and prints its findings,
// one per line, tab-separated. The coordinator builds the input (feeds/reports/report-input.ts):
//   "IGR1", u32 count, then count records of u32 cell, u32 hour, u32 device, f32 value (little endian).
// argv[1] is the report:
//   anomalies THRESHOLD     "anomaly  cell hour mean z": an hour whose mean (each device once) is
//                           more than THRESHOLD standard deviations from its cell's hourly means
//   disagreement THRESHOLD  "disagree cell hour spread devices": an hour whose devices' means
//                           differ by more than THRESHOLD (the quantity's unit)
// Build: packages/node/scripts/build-examples.mjs (AssemblyScript + WASI shim).

function fail(message: string): void {
  process.stderr.write(`feed-report: ${message}\n`);
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

const args = process.argv;
if (args.length < 3) fail('usage: feed-report anomalies|disagreement THRESHOLD');
const kind = args[1];
const threshold = F64.parseFloat(args[2]);
if (kind !== 'anomalies' && kind !== 'disagreement') fail(`unknown report ${kind}`);
if (!(threshold > 0)) fail('THRESHOLD must be a positive number');

const input = readStdin();
if (input.length < 8 || input[0] !== 0x49 || input[1] !== 0x47 || input[2] !== 0x52 || input[3] !== 0x31)
  fail('not a feed report input (IGR1)');
const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
const count = view.getUint32(4, true);
if (<i64>input.length !== 8 + <i64>count * 16) fail('truncated input');

// Per (cell, hour, device): the sum and count of its values; keys packed into a u64.
const sums = new Map<u64, f64>();
const counts = new Map<u64, i32>();
for (let i: u32 = 0; i < count; i++) {
  const at = 8 + i * 16;
  const cell = <u64>view.getUint32(at, true);
  const hour = <u64>view.getUint32(at + 4, true);
  const device = <u64>view.getUint32(at + 8, true);
  const value = <f64>view.getFloat32(at + 12, true);
  if (cell >= 0x100000 || hour >= 0x100000 || device >= 0x1000000) fail('index out of range');
  const key = (cell << 44) | (hour << 24) | device;
  sums.set(key, (sums.has(key) ? sums.get(key) : 0) + value);
  counts.set(key, (counts.has(key) ? counts.get(key) : 0) + 1);
}

// Per (cell, hour): each device's mean, then their mean, minimum and maximum.
const hourSum = new Map<u64, f64>();
const hourDevices = new Map<u64, i32>();
const hourMin = new Map<u64, f64>();
const hourMax = new Map<u64, f64>();
const keys = sums.keys();
for (let i = 0; i < keys.length; i++) {
  const key = keys[i];
  const mean = sums.get(key) / <f64>counts.get(key);
  const hourKey = key >> 24;
  if (!hourSum.has(hourKey)) {
    hourSum.set(hourKey, 0);
    hourDevices.set(hourKey, 0);
    hourMin.set(hourKey, mean);
    hourMax.set(hourKey, mean);
  }
  hourSum.set(hourKey, hourSum.get(hourKey) + mean);
  hourDevices.set(hourKey, hourDevices.get(hourKey) + 1);
  if (hourMin.get(hourKey) > mean) hourMin.set(hourKey, mean);
  if (mean > hourMax.get(hourKey)) hourMax.set(hourKey, mean);
}

/** A number with two decimals (AssemblyScript has no toFixed). */
function fixed2(value: f64): string {
  const hundredths = <i64>Math.round(Math.abs(value) * 100);
  const fraction = hundredths % 100;
  return `${value < 0 && hundredths > 0 ? '-' : ''}${hundredths / 100}.${fraction < 10 ? '0' : ''}${fraction}`;
}

const hourKeys = hourSum.keys().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
let out = '';
if (kind === 'disagreement') {
  for (let i = 0; i < hourKeys.length; i++) {
    const key = hourKeys[i];
    const spread = hourMax.get(key) - hourMin.get(key);
    if (hourDevices.get(key) >= 2 && spread > threshold)
      out += `disagree\t${key >> 20}\t${key & 0xfffff}\t${fixed2(spread)}\t${hourDevices.get(key)}\n`;
  }
} else {
  // Per cell: the mean and standard deviation of its hourly means.
  const cellSum = new Map<u64, f64>();
  const cellSquares = new Map<u64, f64>();
  const cellHours = new Map<u64, i32>();
  for (let i = 0; i < hourKeys.length; i++) {
    const key = hourKeys[i];
    const cell = key >> 20;
    const mean = hourSum.get(key) / <f64>hourDevices.get(key);
    cellSum.set(cell, (cellSum.has(cell) ? cellSum.get(cell) : 0) + mean);
    cellSquares.set(cell, (cellSquares.has(cell) ? cellSquares.get(cell) : 0) + mean * mean);
    cellHours.set(cell, (cellHours.has(cell) ? cellHours.get(cell) : 0) + 1);
  }
  for (let i = 0; i < hourKeys.length; i++) {
    const key = hourKeys[i];
    const cell = key >> 20;
    const hours = <f64>cellHours.get(cell);
    if (hours < 3) continue;
    const average = cellSum.get(cell) / hours;
    const std = Math.sqrt(Math.max(0, cellSquares.get(cell) / hours - average * average));
    const mean = hourSum.get(key) / <f64>hourDevices.get(key);
    if (std > 0 && Math.abs(mean - average) / std > threshold)
      out += `anomaly\t${cell}\t${key & 0xfffff}\t${fixed2(mean)}\t${fixed2((mean - average) / std)}\n`;
  }
}
process.stdout.write(out);
