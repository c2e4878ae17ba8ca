// The marketplace and verification simulators: benchmarks (bench/sim) and governance forecasts run them.
export { type CollusionSimOptions, type CollusionSimResult, simulateCollusion } from './collusion-sim.js';
export { EventQueue } from './event-queue.js';
export { Random } from './random.js';
export { type SimResult, type SimSettings, simulate } from './simulate.js';
export { simulateVerification, type VerificationSimResult } from './verification-sim.js';
export { generateJobs, type SimJob } from './workload.js';
export {
  BASE_CPU_PRICE,
  generateProviders,
  latencyMs,
  localHour,
  REGIONS,
  type RegionName,
  type SimProvider,
  telemetryOf,
  trueHazard,
} from './world.js';
