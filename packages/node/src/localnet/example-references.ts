import { createHash } from 'node:crypto';

// Reference implementations of the shipped example modules (examples/wasm/), computed
// in JavaScript: the demo and the tests check every module's output against them.

export function countPrimes(n: number): number {
  const composite = new Uint8Array(Math.max(n, 0));
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

export function hashChain(input: Uint8Array, rounds: number): string {
  let current = Buffer.from(input);
  for (let i = 0; i < rounds; i++) current = createHash('sha256').update(current).digest();
  return current.toString('hex');
}

export function boxBlur(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const clamp = (value: number, high: number) => Math.min(Math.max(value, 0), high);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          sum += pixels[clamp(y + dy, height - 1) * width + clamp(x + dx, width - 1)]!;
        }
      }
      out[y * width + x] = Math.floor((sum + 4) / 9);
    }
  }
  return out;
}
