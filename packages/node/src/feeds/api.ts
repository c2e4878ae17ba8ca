/** The feeds domain (docs/feeds.md): signed device readings, their quality scores, simulated fleets. */
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
  DEVICE_FAULTS,
  type DeviceFault,
  type FleetOptions,
  type FleetRun,
  fleetReadings,
  type SimulatedDevice,
  type SimulatedReading,
  simulatedFleet,
} from './simulation/device-fleet.js';
