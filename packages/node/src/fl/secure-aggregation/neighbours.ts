import { expandMask } from './prg.js';

/**
 * The SecAgg+ communication graph (Bell et al. 2020): instead of every client masking with and
 * secret-sharing to every other (O(n²) work), each client does so only with its neighbours in a
 * sparse graph. Here the graph is a Harary graph H(2h, n) laid over a seeded random permutation:
 * a client at position p is adjacent to the clients at p ± 1 … p ± h (mod n). That is regular of
 * degree 2h, connected, and symmetric by construction; the permutation keeps an adversary who
 * controls positions in the sorted list from choosing who is next to whom.
 *
 * An odd `degree` is rounded up to the next even number (h = ceil(degree / 2)); a degree of n − 1
 * or more gives the complete graph, i.e. plain SecAgg. Client and server compute it identically from
 * public inputs.
 */
export function neighbourGraph(
  participants: readonly string[],
  seed: Uint8Array,
  degree: number,
): Map<string, string[]> {
  if (!Number.isInteger(degree) || degree < 1) throw new RangeError(`degree must be ≥ 1, got ${degree}`);
  if (new Set(participants).size !== participants.length) throw new RangeError('participants repeat');
  const n = participants.length;
  const half = Math.ceil(degree / 2);
  const graph = new Map<string, string[]>();
  if (2 * half >= n - 1) {
    for (const u of participants) graph.set(u, participants.filter((v) => v !== u).sort());
    return graph;
  }
  const order = seededShuffle(participants, seed);
  for (const [position, u] of order.entries()) {
    const around: string[] = [];
    for (let step = 1; step <= half; step++) {
      around.push(order[(position + step) % n]!, order[(position - step + n) % n]!);
    }
    graph.set(u, around.sort());
  }
  return graph;
}

/** Fisher–Yates driven by the PRG, so that every party gets the same permutation from the seed. */
function seededShuffle(items: readonly string[], seed: Uint8Array): string[] {
  const out = [...items];
  const words = expandMask(seed, 2 * out.length, 'graph-permutation');
  for (let i = out.length - 1; i > 0; i--) {
    // A 53-bit uniform fraction: exact in doubles, so identical on every JavaScript engine; its
    // bias (at most n / 2^53) is immaterial.
    const fraction = (words[2 * i]! * 2 ** 21 + (words[2 * i + 1]! >>> 11)) / 2 ** 53;
    const j = Math.floor(fraction * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
