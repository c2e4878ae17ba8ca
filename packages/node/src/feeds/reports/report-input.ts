import { concat, type Hex, keccak256, toBytes } from 'viem';

/** A verified reading as a report reads it: one quantity's value. */
export interface ReportReading {
  device: string;
  seq: number;
  t: number;
  cell: string;
  value: number;
}

export interface ReportInput {
  /** stdin of the feed-report module: "IGR1", u32 count, count × (u32 cell, u32 hour, u32 device, f32 value). */
  bytes: Uint8Array;
  /** The cells and devices the input numbers, by index. */
  cells: string[];
  devices: string[];
  /** Hour 0 starts here (unix ms). */
  from: number;
  /** The readings covered, as (device, seq), and the Merkle root of their leaves. */
  covered: [string, number][];
  merkleRoot: Hex;
}

export const REPORT_MAGIC = 'IGR1';

/**
 * A reading's leaf in a report's Merkle tree: keccak-256 of "device:seq:t:cell:value" (device
 * lower-case, value as JavaScript prints it). Anyone who can read the feed's readings rebuilds it.
 */
export function readingLeaf(reading: ReportReading): Hex {
  return keccak256(
    toBytes(`${reading.device.toLowerCase()}:${reading.seq}:${reading.t}:${reading.cell}:${reading.value}`),
  );
}

/** The root of the leaves' tree: sorted leaves, each pair hashed in sorted order (as OpenZeppelin's MerkleProof), an odd one carried up. */
export function merkleRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return keccak256(new Uint8Array());
  let level = [...leaves].sort();
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i]!, level[i + 1]];
      next.push(b === undefined ? a : keccak256(a < b ? concat([a, b]) : concat([b, a])));
    }
    level = next;
  }
  return level[0]!;
}

/** The feed-report module's input for readings of a window starting at `from`, and what it covers. */
export function reportInput(readings: readonly ReportReading[], from: number): ReportInput {
  const cells = new Map<string, number>();
  const devices = new Map<string, number>();
  const indexOf = (map: Map<string, number>, key: string) => {
    let index = map.get(key);
    if (index === undefined) {
      index = map.size;
      map.set(key, index);
    }
    return index;
  };
  const bytes = new Uint8Array(8 + readings.length * 16);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(REPORT_MAGIC));
  view.setUint32(4, readings.length, true);
  readings.forEach((reading, i) => {
    const at = 8 + i * 16;
    view.setUint32(at, indexOf(cells, reading.cell), true);
    view.setUint32(at + 4, Math.max(0, Math.floor((reading.t - from) / 3_600_000)), true);
    view.setUint32(at + 8, indexOf(devices, reading.device.toLowerCase()), true);
    view.setFloat32(at + 12, reading.value, true);
  });
  return {
    bytes,
    cells: [...cells.keys()],
    devices: [...devices.keys()],
    from,
    covered: readings.map((r) => [r.device.toLowerCase(), r.seq]),
    merkleRoot: merkleRoot(readings.map(readingLeaf)),
  };
}

export type ReportKind = 'anomalies' | 'disagreement';

export type Finding =
  | { kind: 'anomaly'; cell: string; hourStart: number; mean: number; z: number }
  | { kind: 'disagree'; cell: string; hourStart: number; spread: number; devices: number };

/** The module's lines as findings, with cells named and hours dated. */
export function parseFindings(stdout: string, input: Pick<ReportInput, 'cells' | 'from'>): Finding[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, cell, hour, a, b] = line.split('\t');
      const base = {
        cell: input.cells[Number(cell)] ?? `#${cell}`,
        hourStart: input.from + Number(hour) * 3_600_000,
      };
      return kind === 'anomaly'
        ? { kind, ...base, mean: Number(a), z: Number(b) }
        : { kind: 'disagree' as const, ...base, spread: Number(a), devices: Number(b) };
    });
}
