import { runPrivacyBenchmark } from './privacy.js';
import { writeSection } from './report.js';

/** `npm run bench:privacy`: only the privacy section of docs/benchmarks.md. */
writeSection('privacy', await runPrivacyBenchmark());
console.log('wrote docs/benchmarks.md (privacy)');
