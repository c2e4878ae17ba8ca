import { runHardwareBenchmark } from './hardware.js';
import { writeSection } from './report.js';

/** `npm run bench:hardware`: only the proof-of-hardware section of docs/benchmarks.md. */
writeSection('hardware', await runHardwareBenchmark());
console.log('wrote docs/benchmarks.md (hardware)');
