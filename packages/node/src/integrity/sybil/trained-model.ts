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
    'loadCorrelation',
    'memoryCorrelation',
    'memoryClose',
    'claimSame',
    'loneSpeedClose',
    'jointChallenged',
    'jointSlowdown',
    'jointFailed',
    'jointFinishClose',
  ],
  weights: [
    -3.127093, -7.471004, 2.89785, 3.008948, 2.168814, 1.276414, 2.124098, 0.403902, 6.166817, 4.588417,
    3.622799, -1.571326, 1.899602, -0.90362, 7.365883,
  ],
  bias: -9.799499,
  means: [
    0.083956, 0.010349, 0.127359, 0.102504, 0.057773, 0.062498, 0.075593, 0.067566, 0.027425, 0.359492,
    0.178746, 0.735879, 0.184802, 0.057429, 0.078623,
  ],
  linkThreshold: 0.9959,
  challengeThreshold: 0.7684,
};
