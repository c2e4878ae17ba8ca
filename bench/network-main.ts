import { runNetworkBenchmark } from './network.js';
import { writeSection } from './report.js';

/** `npm run bench:network`: only the network section of docs/benchmarks.md. */
writeSection('network', await runNetworkBenchmark());
console.log('wrote docs/benchmarks.md (network)');
