import { runGasBenchmark } from './gas.js';
import { writeSection } from './report.js';

/** `npm run bench`: runs every benchmark and rewrites its section of docs/benchmarks.md. */
writeSection('gas', await runGasBenchmark());
console.log('wrote docs/benchmarks.md');
