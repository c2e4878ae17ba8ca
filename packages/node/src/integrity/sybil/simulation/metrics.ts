import type { Address } from '../api.js';
import type { SimIdentity } from './population.js';

export interface DetectionMetrics {
  /** Of the identities flagged at the end, the share that are sybils. */
  precision: number;
  /** Of the sybil identities, the share flagged at the end together with another identity of their operator. */
  recall: number;
  /** Of the sybil operators, the share whose identities form exactly one flagged cluster, and nothing else in it. */
  exactClusters: number;
  flagged: number;
  falsePositives: number;
  /** Hours from joining until an identity was first flagged with one of its own operator's (detected ones only). */
  medianHoursToDetection: number;
  p90HoursToDetection: number;
}

/** Scores a policy's hourly flags against the truth. */
export function detectionMetrics(
  identities: readonly SimIdentity[],
  hourly: readonly Address[][][],
): DetectionMetrics {
  const byAddress = new Map(identities.map((id) => [id.address as string, id]));
  const sybils = identities.filter((id) => id.kind === 'sybil');
  const detectedAt = new Map<string, number>();
  const correctly = (clusters: Address[][]) => {
    const found = new Set<string>();
    for (const members of clusters) {
      const operators = new Map<number, number>();
      for (const a of members) {
        const op = byAddress.get(a)!.operator;
        if (op >= 0) operators.set(op, (operators.get(op) ?? 0) + 1);
      }
      for (const a of members) if ((operators.get(byAddress.get(a)!.operator) ?? 0) > 1) found.add(a);
    }
    return found;
  };
  hourly.forEach((clusters, hour) => {
    for (const a of correctly(clusters)) if (!detectedAt.has(a)) detectedAt.set(a, hour + 1);
  });
  const final = hourly[hourly.length - 1] ?? [];
  const flagged = new Set(final.flat());
  const falsePositives = [...flagged].filter((a) => byAddress.get(a)!.kind !== 'sybil').length;
  const found = correctly(final);
  const operatorsOf = new Map<number, Set<string>>();
  for (const id of sybils)
    operatorsOf.set(id.operator, (operatorsOf.get(id.operator) ?? new Set()).add(id.address));
  const exact = [...operatorsOf.values()].filter((members) =>
    final.some((c) => c.length === members.size && c.every((a) => members.has(a))),
  ).length;
  const times = [...detectedAt.values()].sort((x, y) => x - y);
  const quantile = (q: number) =>
    times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))]! : Number.NaN;
  return {
    precision: flagged.size ? (flagged.size - falsePositives) / flagged.size : 1,
    recall: sybils.length ? found.size / sybils.length : 1,
    exactClusters: operatorsOf.size ? exact / operatorsOf.size : 1,
    flagged: flagged.size,
    falsePositives,
    medianHoursToDetection: quantile(0.5),
    p90HoursToDetection: quantile(0.9),
  };
}
