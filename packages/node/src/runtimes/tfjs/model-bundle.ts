import type { GraphModel, io, LayersModel } from '@tensorflow/tfjs';
import { z } from 'zod';
import { messageOf, modelInvalid } from './errors.js';
import { loadTfjs } from './tfjs-loader.js';

/**
 * The `idlegrid-tfjs/1` model bundle: a whole TF.js model in ONE file, because the network moves
 * one artifact per model (TF.js itself saves a `model.json` plus `.bin` weight shards). The file
 * is UTF-8 JSON, TF.js's ModelArtifacts with the weights inlined:
 *
 * ```jsonc
 * {
 *   "format": "idlegrid-tfjs/1",          // this format and its version; always first
 *   "modelFormat": "layers-model",        // TF.js's own `format`: "layers-model" or "graph-model"
 *   "modelTopology": { ... },             // layers: the Keras model config; graph: the GraphDef, as JSON
 *   "weightSpecs": [                      // every weight, in the order of weightData
 *     { "name": "dense/kernel", "shape": [3, 2], "dtype": "float32" }  // optional "quantization"
 *   ],
 *   "weightData": "AACAPwAAAEA=",         // base64 (standard alphabet, padded): all weights
 *                                         // concatenated, little-endian, row-major
 *   // optional, as TF.js wrote them: "trainingConfig" (loss and optimizer of a compiled layers
 *   // model; loading compiles the model with it), "generatedBy", "convertedBy", "signature",
 *   // "userDefinedMetadata", "modelInitializer", "initializerSignature"
 * }
 * ```
 *
 * Binary (protobuf) topologies are not supported; custom layers and ops load only where the
 * loading process has registered them. Any TF.js model with a `save(handler)` method (LayersModel,
 * GraphModel) can be bundled with `saveBundle`; `loadBundle` turns the bytes back into a model.
 */
export const BUNDLE_FORMAT = 'idlegrid-tfjs/1';

export type ModelFormat = 'layers-model' | 'graph-model';

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8 } as const;
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

const weightSpec = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  quantization: z
    .object({
      scale: z.number().optional(),
      min: z.number().optional(),
      dtype: z.enum(['uint8', 'uint16', 'float16']),
    })
    .optional(),
  group: z.string().optional(),
});

const json = z.record(z.string(), z.unknown());

const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  modelFormat: z.enum(['layers-model', 'graph-model']),
  modelTopology: json,
  weightSpecs: z.array(weightSpec),
  weightData: z
    .string()
    .refine((text) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text), 'not base64'),
  trainingConfig: json.optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  signature: json.optional(),
  userDefinedMetadata: z.record(z.string(), json).optional(),
  modelInitializer: json.optional(),
  initializerSignature: json.optional(),
});

export type ModelBundle = z.output<typeof bundleSchema>;

/** What TF.js's `save` needs of a model: LayersModel and GraphModel both have it. */
export interface SavableModel {
  save(handler: io.IOHandler, config?: io.SaveConfig): Promise<io.SaveResult>;
}

export type LoadedModel =
  | { readonly format: 'layers-model'; readonly model: LayersModel }
  | { readonly format: 'graph-model'; readonly model: GraphModel };

export interface SaveBundleOptions {
  /**
   * Keeps a compiled layers model's loss, metrics and optimizer (its class and learning rate, not
   * its state) as `trainingConfig`; loading compiles the model with them. Default false, as TF.js.
   * (TF.js's own `includeOptimizer` also saves the optimizer's state, and leaks a tensor each save.)
   */
  trainingConfig?: boolean;
}

/** Saves a model as an `idlegrid-tfjs/1` bundle (a custom `tf.io` save handler: nothing touches the disk). */
export async function saveBundle(model: SavableModel, options: SaveBundleOptions = {}): Promise<Uint8Array> {
  const trainingConfig = options.trainingConfig ? trainingConfigOf(model) : undefined;
  let bundle: Uint8Array | undefined;
  await model.save({
    save: async (artifacts) => {
      bundle = encodeBundle(trainingConfig ? { ...artifacts, trainingConfig } : artifacts);
      return { modelArtifactsInfo: artifactsInfo(artifacts, bundle.length) };
    },
  });
  if (!bundle) throw new Error('the model saved nothing');
  return bundle;
}

function trainingConfigOf(model: SavableModel): io.TrainingConfig {
  const compiled = model as Partial<{ optimizer: unknown; getTrainingConfig: () => io.TrainingConfig }>;
  if (compiled.optimizer == null || typeof compiled.getTrainingConfig !== 'function') {
    throw new Error('only a compiled layers model has a training config to save');
  }
  // Protected in TF.js's types, public in its code: what `save` itself calls for includeOptimizer.
  return compiled.getTrainingConfig();
}

/** Loads the model of an `idlegrid-tfjs/1` bundle (a custom `tf.io` load handler) on the tfjs runtime. */
export async function loadBundle(bytes: Uint8Array): Promise<LoadedModel> {
  return loadArtifacts(artifactsOf(decodeBundle(bytes)));
}

/** Builds a model from artifacts (a decoded bundle's); fails with TFJS_MODEL_INVALID where TF.js cannot. */
export async function loadArtifacts(artifacts: io.ModelArtifacts): Promise<LoadedModel> {
  const { tf } = await loadTfjs();
  const handler: io.IOHandler = { load: async () => artifacts };
  try {
    if (artifacts.format === 'graph-model') {
      return { format: 'graph-model', model: await tf.loadGraphModel(handler) };
    }
    return { format: 'layers-model', model: await tf.loadLayersModel(handler) };
  } catch (cause) {
    throw modelInvalid(`TF.js cannot build the bundle's model: ${messageOf(cause)}`, { cause });
  }
}

/** TF.js model artifacts as bundle bytes. */
export function encodeBundle(artifacts: io.ModelArtifacts): Uint8Array {
  const { modelTopology, weightSpecs = [], weightData } = artifacts;
  if (!modelTopology || modelTopology instanceof ArrayBuffer) {
    throw modelInvalid('only models with a JSON topology can be bundled');
  }
  const format: ModelFormat = artifacts.format === 'graph-model' ? 'graph-model' : 'layers-model';
  const weights = joinBuffers(
    weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData],
  );
  const bundle = {
    format: BUNDLE_FORMAT,
    modelFormat: format,
    modelTopology,
    weightSpecs,
    weightData: Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).toString('base64'),
    ...optional(artifacts),
  };
  return new TextEncoder().encode(JSON.stringify(bundle));
}

/** Checks bundle bytes (JSON, the format, weights that match their specs) and decodes them. */
export function decodeBundle(bytes: Uint8Array): ModelBundle {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw modelInvalid(`not an ${BUNDLE_FORMAT} model bundle: the file is not UTF-8 JSON`, { cause });
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    (value as { format?: unknown }).format !== BUNDLE_FORMAT
  ) {
    throw modelInvalid(`not an ${BUNDLE_FORMAT} model bundle: its format is not "${BUNDLE_FORMAT}"`, {
      details: { format: String((value as { format?: unknown } | null)?.format) },
    });
  }
  const parsed = bundleSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw modelInvalid(`the model bundle is malformed: ${issues.join('; ')}`, { details: { issues } });
  }
  const expected = weightBytes(parsed.data.weightSpecs);
  const actual = base64Length(parsed.data.weightData);
  if (expected !== undefined && expected !== actual) {
    throw modelInvalid(`the bundle's weights are ${actual} bytes, its weightSpecs describe ${expected}`, {
      details: { expected, actual },
    });
  }
  return parsed.data;
}

/** A decoded bundle as TF.js model artifacts. */
export function artifactsOf(bundle: ModelBundle): io.ModelArtifacts {
  const weights = Buffer.from(bundle.weightData, 'base64');
  const { format: _, modelFormat, weightData: __, ...rest } = bundle;
  return {
    ...(rest as unknown as Omit<io.ModelArtifacts, 'weightData' | 'format'>),
    format: modelFormat,
    // A fresh ArrayBuffer: Buffer.from may hand out a slice of a shared pool.
    weightData: weights.buffer.slice(
      weights.byteOffset,
      weights.byteOffset + weights.byteLength,
    ) as ArrayBuffer,
  };
}

/** The bytes the specs describe, or undefined where a string weight makes them variable. */
interface SizedSpec {
  shape: readonly number[];
  dtype: keyof typeof DTYPE_BYTES | 'string';
  quantization?: { dtype: keyof typeof QUANTIZED_BYTES } | undefined;
}

function weightBytes(specs: readonly SizedSpec[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    if (spec.dtype === 'string') return undefined;
    const per = spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
    total += spec.shape.reduce((product, dim) => product * dim, 1) * per;
  }
  return total;
}

function base64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

function joinBuffers(buffers: readonly ArrayBuffer[]): Uint8Array {
  if (buffers.length === 1) return new Uint8Array(buffers[0]!);
  const joined = new Uint8Array(buffers.reduce((sum, b) => sum + b.byteLength, 0));
  let offset = 0;
  for (const buffer of buffers) {
    joined.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return joined;
}

const OPTIONAL_FIELDS = [
  'trainingConfig',
  'generatedBy',
  'convertedBy',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
] as const;

function optional(artifacts: io.ModelArtifacts): Partial<Record<(typeof OPTIONAL_FIELDS)[number], unknown>> {
  const fields: Partial<Record<(typeof OPTIONAL_FIELDS)[number], unknown>> = {};
  for (const field of OPTIONAL_FIELDS) if (artifacts[field] !== undefined) fields[field] = artifacts[field];
  return fields;
}

function artifactsInfo(artifacts: io.ModelArtifacts, bundleBytes: number): io.ModelArtifactsInfo {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: bundleBytes,
    weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
    weightDataBytes: weightBytes(artifacts.weightSpecs ?? []) ?? 0,
  };
}
