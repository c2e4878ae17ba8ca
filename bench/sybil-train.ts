import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fitSybilModel, pairProbability, type SybilModel, trainingPairs } from '@idlegrid/node';

/**
 * `npm run train:sybil`: fits the sybil detector on simulated worlds (seeds 1-4) and writes its
 * weights to packages/node/src/integrity/sybil/trained-model.ts. Seeded: the same code writes
 * the same file. Seed 99 is held out; the tests score the model on it.
 */
const TRAINING_SEEDS = [1, 2, 3, 4];
const WORLD = { providers: 3_000, sybilFraction: 0.05, fakeFraction: 0.05, hours: 4 };
/** Link pairs only where the training pairs above the threshold are at least this pure. */
const LINK_PRECISION = 0.998;
/** Challenge pairs down to where one in five of the pairs above the threshold is a sybil pair: suspicion worth a challenge. */
const CHALLENGE_PRECISION = 0.2;
const OUT = fileURLToPath(
  new URL('../../packages/node/src/integrity/sybil/trained-model.ts', import.meta.url),
);

const rows: Float64Array[] = [];
const labels: number[] = [];
for (const seed of TRAINING_SEEDS) {
  const pairs = trainingPairs({ ...WORLD, seed });
  for (const [i, row] of pairs.rows.entries()) {
    rows.push(row);
    labels.push(pairs.labels[i]!);
  }
  console.log(
    `seed ${seed}: ${pairs.rows.length} pairs, ${pairs.labels.filter((y) => y === 1).length} sybil pairs`,
  );
}
const fitted = fitSybilModel(rows, labels);
const scored = rows
  .map((x, i) => ({ p: pairProbability(fitted, x), y: labels[i]! }))
  .sort((a, b) => b.p - a.p);
let linkThreshold = 1;
let challengeThreshold = 1;
let truePositives = 0;
scored.forEach(({ p, y }, i) => {
  truePositives += y;
  if (truePositives / (i + 1) >= LINK_PRECISION && p < linkThreshold) linkThreshold = p;
  if (truePositives / (i + 1) >= CHALLENGE_PRECISION) challengeThreshold = p;
});
const model: SybilModel = {
  ...fitted,
  linkThreshold: round(Math.max(linkThreshold, 0.5)),
  challengeThreshold: round(Math.min(challengeThreshold, linkThreshold)),
};
writeFileSync(
  OUT,
  `// Written by \`npm run train:sybil\` (bench/sybil-train.ts) from seeds ${TRAINING_SEEDS.join(', ')}; do not edit by hand.\n` +
    `import type { SybilModel } from './api.js';\n\nexport const TRAINED_SYBIL_MODEL: SybilModel = ${JSON.stringify(model, null, 2)};\n`,
);
console.log(`wrote ${OUT}: link at ${model.linkThreshold}, challenge at ${model.challengeThreshold}`);

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
