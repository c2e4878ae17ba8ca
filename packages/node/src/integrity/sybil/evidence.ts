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
  sharedTimer: (v) =>
    `heartbeats leave at the same instant and stall together (${r2(v)} of 1): one event loop`,
  loadCorrelation: (v) => `reported CPU load moves together (correlation ${r2(v)}): one processor`,
  memoryCorrelation: (v) => `reported free memory moves together (correlation ${r2(v)}): one memory`,
  memoryMatch: (v) => `they report the same free memory (within 0.5%) at ${pct(v)} of heartbeats`,
  claimSame: (v) => `hardware claims are identical in ${pct(v)} of their fields`,
  loneSpeedClose: (v) =>
    `alone, each answers challenges in the same time (closeness ${r2(v)} of 1): the same cores`,
  jointSlowdown: (v) =>
    `challenged at the same instant, they ran ${(2 ** v).toFixed(1)}× slower than alone: they share their cores`,
  jointFailed: (v) => `${pct(v)} of simultaneous challenges missed their deadline, though each passes alone`,
  jointSlowedTogether: (v) =>
    `challenged together, both slowed by the same factor and finished at the same moment in ${pct(v)} of challenges: one set of cores`,
  jointSlowedApart: (v) => `challenged together, both slowed but finished apart in ${pct(v)} of challenges`,
  jointCleared: (v) => `${pct(v)} of linking pairs ran a simultaneous challenge as fast as alone`,
};

export function evidenceFor(feature: SybilFeature, value: number): SybilEvidence {
  return { feature, value: Math.round(value * 1000) / 1000, reason: REASONS[feature](value) };
}
