import { runCliStartBenchmark } from './cli-start.js';
import { runFeedsBenchmark } from './feeds.js';
import { runGasBenchmark } from './gas.js';
import { runLlmBenchmark } from './llm.js';
import { runMeshBenchmark } from './mesh.js';
import { runNetworkBenchmark } from './network.js';
import { runOcrBenchmark } from './ocr.js';
import { runPrivacyBenchmark } from './privacy.js';
import { writeSection } from './report.js';
import { simSection } from './sim/run-sim.js';
import { verificationSection } from './sim/verification-sim.js';
import { verificationNetworkSection } from './verification-net.js';
import { runWanBenchmark } from './wan.js';

/** `npm run bench`: runs every benchmark and rewrites its section of docs/benchmarks.md. */
writeSection('gas', await runGasBenchmark());
writeSection('network', await runNetworkBenchmark());
writeSection('cli', await runCliStartBenchmark());
writeSection('sim', simSection());
writeSection('verification', verificationSection());
writeSection('verification-net', await verificationNetworkSection());
writeSection('llm', await runLlmBenchmark());
writeSection('ocr', await runOcrBenchmark());
writeSection('privacy', await runPrivacyBenchmark());
writeSection('feeds', await runFeedsBenchmark());
writeSection('mesh', await runMeshBenchmark());
writeSection('wan', await runWanBenchmark());
console.log('wrote docs/benchmarks.md');
