import { runFlBenchmark } from './fl.js';
import { writeSection } from './report.js';

/** `npm run bench:fl`: only the federated-learning section of docs/benchmarks.md. */
writeSection('fl', await runFlBenchmark());
console.log('wrote docs/benchmarks.md (fl)');
