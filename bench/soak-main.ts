import { writeSection } from './report.js';
import { runSoakBenchmark } from './soak.js';

/** `npm run bench:soak`: only the soak section (SOAK_MINUTES, 10 by default; SOAK_RATE, 100 jobs/s). */
writeSection('soak', await runSoakBenchmark());
console.log('wrote docs/benchmarks.md (soak)');
