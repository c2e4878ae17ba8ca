/**
 * Published peak float32 throughput (TFLOPS, without tensor cores) of the cards a provider may
 * claim, by a part of the name nvidia-smi prints ("NVIDIA H100 80GB HBM3", "Tesla T4",
 * "NVIDIA GeForce RTX 4090"). A GPU challenge is sized and timed from it. The float32 figure is
 * the cautious one: a card that runs the products in TF32 only answers sooner.
 *
 * These are datasheet figures, not measurements: calibrating the table on real cards (and
 * adding per-card deadlines from it) is what would let proof of hardware tell a claimed H100 from
 * a T4, not only a GPU from a CPU.
 */
export const GPU_CARD_TFLOPS: Readonly<Record<string, number>> = {
  H200: 67,
  H100: 51,
  A100: 19.5,
  A10G: 31,
  A10: 31,
  A40: 37,
  'RTX A6000': 38,
  L40S: 91,
  L40: 90,
  L4: 30,
  T4: 8.1,
  V100: 14,
  P100: 9.3,
  'RTX 5090': 104,
  'RTX 4090': 82,
  'RTX 4080': 48,
  'RTX 4070': 29,
  'RTX 3090': 35,
  'RTX 3080': 29,
  'RTX 3070': 20,
  'RTX 3060': 12.7,
};

/** A card the table does not know is taken to be a slow one: it gets the most time. */
export const UNKNOWN_CARD_TFLOPS = 4;

/** The claimed card's float32 TFLOPS: the longest name in `table` found in `model` (so "L40S" before "L4"). */
export function cardTflops(model: string, table: Readonly<Record<string, number>> = GPU_CARD_TFLOPS): number {
  const name = model.toUpperCase();
  const known = Object.keys(table)
    .filter((part) => name.includes(part.toUpperCase()))
    .sort((a, b) => b.length - a.length)[0];
  return known === undefined ? UNKNOWN_CARD_TFLOPS : table[known]!;
}
