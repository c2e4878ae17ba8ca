import { writeSection } from '../report.js';
import { simSection } from './run-sim.js';

/** `npm run bench:sim`: only the marketplace simulation (`npm run bench` runs it with the rest). */
writeSection('sim', simSection());
console.log('wrote docs/benchmarks.md (section sim) and docs/sim-*.svg');
