import { runIntegrityBenchmark } from './integrity.js';
import { writeSection } from './report.js';

/** `npm run bench:integrity`: only the collusion and wash-trading section of docs/benchmarks.md. */
writeSection('integrity', runIntegrityBenchmark());
console.log('wrote docs/benchmarks.md (integrity)');
