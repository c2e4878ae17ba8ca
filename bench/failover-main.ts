import { runFailoverBenchmark } from './failover.js';
import { writeSection } from './report.js';

/** `npm run bench:failover`: only the failover section of docs/benchmarks.md. */
writeSection('failover', await runFailoverBenchmark());
console.log('wrote docs/benchmarks.md (failover)');
