// Counts the primes below N (argv[1]) with a sieve of Eratosthenes and prints the count.
// Build: packages/node/scripts/build-examples.mjs (AssemblyScript + WASI shim).

function fail(message: string): void {
  process.stderr.write(`primes: ${message}\n`);
  process.exit(2);
}

const args = process.argv;
if (args.length < 2) fail('usage: primes N');
const n = I32.parseInt(args[1], 10);
if (n < 0 || n > 1_000_000_000) fail('N must be between 0 and 1000000000');

let count = 0;
if (n > 2) {
  // composite[i] !== 0 marks i as composite.
  const composite = new Uint8Array(n);
  for (let i = 2; i < n; i++) {
    if (unchecked(composite[i]) !== 0) continue;
    count++;
    for (let j = <i64>i * i; j < <i64>n; j += i) composite[<i32>j] = 1;
  }
}
process.stdout.write(`${count}\n`);
