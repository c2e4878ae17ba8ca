// Written by `npm run train:sybil` (bench/sybil-train.ts) from seeds 1, 2, 3, 4; do not edit by hand.
import type { SybilModel } from './api.js';

export const TRAINED_SYBIL_MODEL: SybilModel = {
  features: [
    'sameHost',
    'sameSubnet',
    'rttClose',
    'rttCorrelation',
    'phaseNear',
    'jitterCorrelation',
    'sharedTimer',
    'loadCorrelation',
    'memoryCorrelation',
    'memoryMatch',
    'claimSame',
    'loneSpeedClose',
    'jointSlowdown',
    'jointFailed',
    'jointSlowedTogether',
    'jointSlowedApart',
    'jointCleared',
  ],
  weights: [
    -1.730317, -3.372725, 1.875399, 2.735356, -0.386118, 0.303011, 8.881007, -4.085332, 8.149288, 9.107967,
    4.264175, 3.998768, 0.98746, 0.229498, 15.720786, 3.980366, -0.002553,
  ],
  bias: -11.690233,
  means: [
    0.154784, 0.006905, 0.184594, 0.166604, 0.134191, 0.282102, 0.024276, 0.176817, 0.158523, 0.016001,
    0.366436, 0.176089, 0.103522, 0.053892, 0.007046, 0.041891, 0.07744,
  ],
  linkThreshold: 0.8772,
  challengeThreshold: 0.008,
};
