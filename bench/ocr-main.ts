import { runOcrBenchmark } from './ocr.js';
import { writeSection } from './report.js';

/** `npm run bench:ocr`: only the OCR section of docs/benchmarks.md. */
writeSection('ocr', await runOcrBenchmark());
console.log('wrote docs/benchmarks.md (ocr)');
