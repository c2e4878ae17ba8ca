import { runCliStartBenchmark } from './cli-start.js';
import { writeSection } from './report.js';

/** `npm run bench:cli`: only the CLI section of docs/benchmarks.md. */
writeSection('cli', await runCliStartBenchmark());
console.log('wrote docs/benchmarks.md (cli)');
