import { runMeshThroughputBenchmark } from './mesh-throughput.js';
import { writeSection } from './report.js';

/** `npm run bench:coordinators`: only the one-against-three-coordinators section of docs/benchmarks.md. */
writeSection('coordinators', await runMeshThroughputBenchmark());
console.log('wrote docs/benchmarks.md (coordinators)');
