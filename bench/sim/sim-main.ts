import { writeSection } from '../report.js';
import { simSection } from './run-sim.js';
import { verificationSection } from './verification-sim.js';

/** `npm run bench:sim`: only the simulations (`npm run bench` runs them with the rest). */
writeSection('verification', verificationSection());
writeSection('sim', simSection());
console.log('wrote docs/benchmarks.md (sections sim and verification) and docs/sim-*.svg');
