/** Test helpers other packages' tests use: models generated here instead of downloaded. */
export {
  buildSuccessorModel,
  SUCCESSOR_REPLY,
  writeSuccessorModel,
} from './runtimes/llm/testing/successor-model.js';
