import { IdlegridError } from '@idlegrid/protocol';
import { artifactsOf, decodeBundle, encodeBundle } from '../runtimes/tfjs/model-bundle.js';
import type { Update } from './vector-math.js';

/**
 * A model bundle's weights as one flat float32 vector, in the bundle's own weight order: the form
 * federated updates travel and are averaged in. The coordinator works on bundles without TF.js.
 */
export function flatWeightsOf(bundleBytes: Uint8Array): Update {
  const bundle = decodeBundle(bundleBytes);
  checkFloat32(bundle.weightSpecs);
  const bytes = Buffer.from(bundle.weightData, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The same bundle with other weights (as many as it holds, in its order). */
export function bundleWithWeights(bundleBytes: Uint8Array, weights: Update): Uint8Array {
  const bundle = decodeBundle(bundleBytes);
  checkFloat32(bundle.weightSpecs);
  const count = bundle.weightSpecs.reduce((sum, spec) => sum + spec.shape.reduce((p, s) => p * s, 1), 0);
  if (count !== weights.length)
    throw new IdlegridError('FL_UPDATE_INVALID', `the model holds ${count} weights, not ${weights.length}`);
  const artifacts = artifactsOf(bundle);
  return encodeBundle({ ...artifacts, weightData: weights.slice().buffer });
}

function checkFloat32(specs: readonly { dtype: string; quantization?: unknown }[]): void {
  if (specs.some((spec) => spec.dtype !== 'float32' || spec.quantization !== undefined))
    throw new IdlegridError(
      'TFJS_MODEL_INVALID',
      'federated training takes models whose weights are all float32 and not quantized',
    );
}

/** Float32 values as base64 (little-endian), as they travel in FL messages. */
export function encodeUpdate(update: Update): string {
  return Buffer.from(update.buffer, update.byteOffset, update.byteLength).toString('base64');
}

export function decodeUpdate(base64: string, length?: number): Update {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength % 4 !== 0 || (length !== undefined && bytes.byteLength !== length * 4))
    throw new IdlegridError(
      'FL_UPDATE_INVALID',
      `an update of ${bytes.byteLength} bytes${length === undefined ? '' : `, not ${length} float32 values`}`,
    );
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
