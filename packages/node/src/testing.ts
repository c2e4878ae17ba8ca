/** Test helpers other packages' tests use: models and images generated here instead of downloaded. */
export {
  buildSuccessorModel,
  SUCCESSOR_REPLY,
  writeSuccessorModel,
} from './runtimes/llm/testing/successor-model.js';
export { drawText, encodePng } from './runtimes/onnx/testing/text-image.js';
export { denseModel, denseReference } from './runtimes/onnx/testing/tiny-onnx.js';
export { filesHolding } from './storage/testing/plaintext-search.js';
