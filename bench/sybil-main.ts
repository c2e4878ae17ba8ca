import { writeSection } from './report.js';
import { runSybilBenchmark } from './sybil.js';

/** `npm run bench:sybil`: only the sybil-detection section of docs/benchmarks.md. */
writeSection('sybil', runSybilBenchmark());
console.log('wrote docs/benchmarks.md (sybil)');
