import { writeSection } from './report.js';
import { runWanBenchmark } from './wan.js';

/** `npm run bench:wan`: only the wide-area section of docs/benchmarks.md. */
writeSection('wan', await runWanBenchmark());
console.log('wrote docs/benchmarks.md (wan)');
