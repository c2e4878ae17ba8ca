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
    -1.949787, -4.181871, 1.777835, 3.182253, -1.0938, 0.208679, 10.091994, -5.51357, 9.298955, 9.687114,
    4.199925, 4.005507, 0.831215, -0.587152, 18.504132, 4.937608, -0.552344,
  ],
  bias: -11.131083,
  means: [
    0.067937, 0.007265, 0.110592, 0.078009, 0.062997, 0.126451, 0.011012, 0.077398, 0.069401, 0.008534,
    0.353619, 0.173185, 0.051537, 0.023987, 0.003083, 0.018405, 0.594755,
  ],
  linkThreshold: 0.951,
  challengeThreshold: 0.0154,
};
