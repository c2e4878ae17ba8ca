/** The feeds domain (docs/feeds.md): signed device readings, their quality scores, simulated fleets. */
export { cellAggregates, laplace } from './aggregates.js';
export { DEFAULT_SETTLE_MS, FeedQuality } from './feed-quality.js';
export { FeedIngest, type IngestResult, MAX_READINGS_PER_BATCH } from './ingest.js';
export { Cells, cellOf } from './quality/cells.js';
export { type DeviceHistory, newDeviceHistory } from './quality/device-history.js';
export { DEVICE_KINDS, type DeviceKindProfile, type QuantityProfile } from './quality/device-kinds.js';
export { FeedScorer, type ReadingToScore, type ScoredReading } from './quality/feed-scorer.js';
export {
  type CheckResult,
  mainReason,
  QUALITY_CHECKS,
  type QualityCheck,
  REWARD_THRESHOLD,
  scoreOf,
} from './quality/quality-checks.js';
export {
  type Finding,
  merkleRoot,
  parseFindings,
  type ReportInput,
  type ReportKind,
  type ReportReading,
  readingLeaf,
  reportInput,
} from './reports/report-input.js';
export {
  DEVICE_FAULTS,
  type DeviceFault,
  type FleetOptions,
  type FleetRun,
  fleetReadings,
  type SimulatedDevice,
  type SimulatedReading,
  simulatedFleet,
} from './simulation/device-fleet.js';
