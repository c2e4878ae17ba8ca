/** Who was flagged, by a detector or by a baseline, and in which round first. */
export interface Detection {
  truePositives: number;
  falsePositives: number;
  positives: number;
  precision: number;
  recall: number;
  /** Recall among the guilty that acted (for rings: lied at least once). */
  recallOfActive: number;
  /** Rounds until each true positive was first flagged (1-based), sorted. */
  roundsToDetection: number[];
}

/** Scores the first round each id was flagged in against the truth. */
export function detection(
  flagged: ReadonlyMap<string, number>,
  guilty: (id: string) => boolean,
  total: number,
  active?: ReadonlySet<string>,
): Detection {
  const rounds: number[] = [];
  let falsePositives = 0;
  for (const [id, round] of flagged) {
    if (guilty(id)) rounds.push(round);
    else falsePositives++;
  }
  const positives = flagged.size;
  const recall = total === 0 ? 1 : rounds.length / total;
  return {
    truePositives: rounds.length,
    falsePositives,
    positives,
    precision: positives === 0 ? 1 : rounds.length / positives,
    recall,
    recallOfActive: !active
      ? recall
      : active.size === 0
        ? 1
        : [...active].filter((id) => flagged.has(id)).length / active.size,
    roundsToDetection: rounds.sort((a, b) => a - b),
  };
}

/** Nobody flagged yet. */
export function emptyDetection(): Detection {
  return {
    truePositives: 0,
    falsePositives: 0,
    positives: 0,
    precision: 1,
    recall: 0,
    recallOfActive: 0,
    roundsToDetection: [],
  };
}

/** Each client's Herfindahl index of spend over its providers (1: one provider took it all). */
export function herfindahl(paid: ReadonlyMap<string, bigint>): Map<string, number> {
  const byClient = new Map<string, number[]>();
  for (const [key, amount] of paid) {
    const client = key.split('>')[0]!;
    byClient.set(client, [...(byClient.get(client) ?? []), Number(amount)]);
  }
  const index = new Map<string, number>();
  for (const [client, amounts] of byClient) {
    const total = amounts.reduce((a, b) => a + b, 0);
    index.set(
      client,
      amounts.reduce((sum, a) => sum + (a / total) ** 2, 0),
    );
  }
  return index;
}
