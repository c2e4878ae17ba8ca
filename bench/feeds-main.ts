import { runFeedsBenchmark } from './feeds.js';
import { writeSection } from './report.js';

/** `npm run bench:feeds`: only the feeds section of docs/benchmarks.md. */
writeSection('feeds', await runFeedsBenchmark());
console.log('wrote docs/benchmarks.md (feeds)');
