import type { SybilEvidence } from './api.js';
import type { SybilFeature } from './features.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const r2 = (x: number) => x.toFixed(2);

/** One sentence per feature, for the dashboard: the value is the feature's mean over the cluster's linking pairs. */
const REASONS: Record<SybilFeature, (value: number) => string> = {
  sameHost: (v) => `${pct(v)} of linking pairs connect from the same network host`,
  sameSubnet: (v) => `${pct(v)} of linking pairs connect from the same /24 network`,
  rttClose: (v) => `round-trip times match closely (closeness ${r2(v)} of 1)`,
  rttCorrelation: (v) => `round-trip times rise and fall together (correlation ${r2(v)}): one network path`,
  phaseNear: (v) =>
    `heartbeats arrive at the same instant of each period (closeness ${r2(v)} of 1): one timer`,
  jitterCorrelation: (v) => `heartbeat delays correlate (${r2(v)}): stalls of one machine delay them all`,
  loadCorrelation: (v) => `reported CPU load moves together (correlation ${r2(v)}): one processor`,
  memoryCorrelation: (v) => `reported free memory moves together (correlation ${r2(v)}): one memory`,
  memoryClose: (v) => `reported free memory is the same amount (closeness ${r2(v)} of 1)`,
  claimSame: (v) => `hardware claims are identical in ${pct(v)} of their fields`,
  loneSpeedClose: (v) =>
    `alone, each answers challenges in the same time (closeness ${r2(v)} of 1): the same cores`,
  jointChallenged: (v) => `${pct(v)} of linking pairs were challenged at the same instant`,
  jointSlowdown: (v) =>
    `challenged at the same instant, they ran ${(2 ** v).toFixed(1)}× slower than alone: they share their cores`,
  jointFailed: (v) => `${pct(v)} of simultaneous challenges missed their deadline, though each passes alone`,
  jointFinishClose: (v) => `challenged together, they finish at the same moment (closeness ${r2(v)} of 1)`,
};

export function evidenceFor(feature: SybilFeature, value: number): SybilEvidence {
  return { feature, value: Math.round(value * 1000) / 1000, reason: REASONS[feature](value) };
}
