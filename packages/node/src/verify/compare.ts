import { canonicalJson, cidOfBytes, type ResultManifest } from '@idlegrid/protocol';

/**
 * What two runs of one job must agree on. Not the manifest itself: it records how long the
 * run took, which differs between machines. Not stderr either: diagnostics may name paths or
 * timings. The answer is the exit code and the output.
 */
export function outcomeDigest(manifest: ResultManifest): string {
  const { exitCode, stdoutCid, stdoutTruncated, errorCode, sealed } = manifest;
  // A private job's outputs are ciphertext under each run's own key: runs agree on the salted
  // hash of their plain outcome instead (privacy/private-jobs.ts).
  if (sealed) return sealedOutcomeDigest(exitCode, sealed.outcome);
  return cidOfBytes(
    new TextEncoder().encode(
      canonicalJson({ exitCode, stdoutCid, stdoutTruncated, errorCode: errorCode ?? '' }),
    ),
  );
}

/** The outcome digest of a private job's run: its exit code and the salted hash of its plain outcome. */
export function sealedOutcomeDigest(exitCode: number, outcome: string): string {
  return cidOfBytes(new TextEncoder().encode(canonicalJson({ exitCode, sealed: outcome })));
}

/** Compares two results of the same job; each runtime brings its own. */
export interface ResultComparator {
  /** Deterministic runtimes can compare digests alone, without fetching any output. */
  readonly needsOutputs: boolean;
  agree(a: ComparedResult, b: ComparedResult): boolean;
}

export interface ComparedResult {
  manifest: ResultManifest;
  /** The stdout bytes, when `needsOutputs`. */
  stdout?: Uint8Array;
}

/** WASM is deterministic: the same module and input give the same bytes, so digests must be equal. */
export const exactComparator: ResultComparator = {
  needsOutputs: false,
  agree: (a, b) => outcomeDigest(a.manifest) === outcomeDigest(b.manifest),
};

/**
 * Floating-point runtimes (ONNX, TensorFlow.js) differ in the last bits between CPUs and
 * GPUs: outputs are JSON, compared number by number within `relative` (or `absolute` near
 * zero); everything else must be equal.
 */
export function toleranceComparator(relative = 1e-4, absolute = 1e-6): ResultComparator {
  return {
    needsOutputs: true,
    agree(a, b) {
      if (a.manifest.exitCode !== b.manifest.exitCode) return false;
      const parse = (bytes: Uint8Array | undefined) => {
        try {
          return JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as unknown;
        } catch {
          return undefined;
        }
      };
      const left = parse(a.stdout);
      const right = parse(b.stdout);
      if (left === undefined || right === undefined) return exactComparator.agree(a, b);
      return close(left, right, relative, absolute);
    },
  };
}

function close(a: unknown, b: unknown, relative: number, absolute: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= Math.max(absolute, relative * Math.max(Math.abs(a), Math.abs(b)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => close(item, b[i], relative, absolute));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every(
        (key) =>
          key in b &&
          close((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], relative, absolute),
      )
    );
  }
  return a === b;
}

/** Runs of one answer needed to decide a disagreement (see `verdict`). */
export const DISPUTE_QUORUM = 3;

/** The answer more than half the results agree on, if at least `quorum` of them do. */
export function majority<T extends ComparedResult>(
  results: readonly T[],
  comparator: ResultComparator,
  quorum = 1,
): { winner: T; agreeing: T[]; dissenting: T[] } | undefined {
  for (const candidate of results) {
    const agreeing = results.filter((other) => comparator.agree(candidate, other));
    if (2 * agreeing.length > results.length && agreeing.length >= quorum) {
      return { winner: candidate, agreeing, dissenting: results.filter((r) => !agreeing.includes(r)) };
    }
  }
  return undefined;
}

/**
 * Deciding among the runs of a job: when all agree, their answer stands. When any disagree,
 * someone will be slashed, so a bare majority is not enough (two cheaters that happen to give
 * the same wrong answer, like two lazy providers repeating a stale one, would outvote an
 * honest run): one answer needs `DISPUTE_QUORUM` runs and more than half; until then more
 * runs are needed (undefined).
 */
export function verdict<T extends ComparedResult>(results: readonly T[], comparator: ResultComparator) {
  const all = majority(results, comparator);
  if (all && all.dissenting.length === 0) return all;
  return majority(results, comparator, DISPUTE_QUORUM);
}

/** Floating-point runtimes are compared within a tolerance; every other (WASM, fastText) exactly. */
export function comparatorFor(runtime: string): ResultComparator {
  return runtime === 'onnx' || runtime === 'tfjs' ? toleranceComparator() : exactComparator;
}
