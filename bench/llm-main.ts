import { runLlmBenchmark } from './llm.js';
import { writeSection } from './report.js';

/** `npm run bench:llm`: only the LLM section of docs/benchmarks.md. */
writeSection('llm', await runLlmBenchmark());
console.log('wrote docs/benchmarks.md (llm)');
