/**
 * Test helpers other packages' tests and benchmarks use: models and images generated here instead
 * of downloaded, a search for plaintext, and a proxy that injects link faults.
 */

export { FaultProxy, type FaultProxyOptions, type LinkFaults } from './p2p/testing/fault-proxy.js';
export {
  buildSuccessorModel,
  SUCCESSOR_REPLY,
  writeSuccessorModel,
} from './runtimes/llm/testing/successor-model.js';
export { drawText, encodePng } from './runtimes/onnx/testing/text-image.js';
export { denseModel, denseReference } from './runtimes/onnx/testing/tiny-onnx.js';
export { filesHolding } from './storage/testing/plaintext-search.js';
export { freshDatabase } from './store/testing/fresh-database.js';
