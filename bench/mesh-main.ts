import { runMeshBenchmark } from './mesh.js';
import { writeSection } from './report.js';

/** `npm run bench:mesh`: only the mesh section of docs/benchmarks.md. */
writeSection('mesh', await runMeshBenchmark());
console.log('wrote docs/benchmarks.md (mesh)');
