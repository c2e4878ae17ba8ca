import type { LayersModel, NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { TfjsModule } from '../../runtimes/tfjs/tfjs-loader.js';

/** What DP-SGD needs of a Dense layer: its weights and its activation. */
interface DenseParts {
  kernel: Variable;
  bias: Variable | undefined;
  activation: (z: Tensor) => Tensor;
}

/**
 * The model's Dense layers, when it is nothing else (Dense layers, Flatten first or none): then each
 * example's gradient norm can be had without computing the gradient itself. Undefined otherwise.
 */
export function denseStack(model: LayersModel, inputRank: number): DenseParts[] | undefined {
  const parts: DenseParts[] = [];
  for (const [index, layer] of model.layers.entries()) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') continue;
    // Flatten first, or on rows already flat; a Dense layer on a higher rank acts per position.
    if (kind === 'Flatten' && (index <= 1 || parts.length === 0)) continue;
    if (kind !== 'Dense') return undefined;
    if (parts.length === 0 && inputRank !== 2 && model.layers[index - 1]?.getClassName() !== 'Flatten')
      return undefined;
    const dense = layer as unknown as {
      kernel: { read(): Variable };
      bias?: { read(): Variable } | null;
      activation: { apply(z: Tensor): Tensor };
    };
    parts.push({
      kernel: dense.kernel.read(),
      bias: dense.bias ? dense.bias.read() : undefined,
      activation: (z) => dense.activation.apply(z),
    });
  }
  const trainable = new Set(model.trainableWeights.map((weight) => (weight.read() as Variable).name));
  const covered = parts.flatMap((p) => [p.kernel.name, ...(p.bias ? [p.bias.name] : [])]);
  if (parts.length === 0 || covered.length !== trainable.size || covered.some((name) => !trainable.has(name)))
    return undefined;
  return parts;
}

/**
 * DP-SGD's clipped sum of per-example gradients for a stack of Dense layers, in one backward
 * pass ("ghost clipping", Goodfellow 2015; Li et al. 2022): example i's kernel gradient in layer l
 * is the outer product a_{l−1,i} ⊗ δ_{l,i}, whose norm is ‖a_{l−1,i}‖·‖δ_{l,i}‖, so every norm comes
 * from the activations and the gradients of the pre-activations; the clipped sum is then one
 * matrix product per layer. Exact, and a batch at a time instead of an example at a time.
 * Call inside a tidy. Answers the clipped sums by variable name (no noise yet) and the loss sum.
 */
export function denseClippedGradientSum(
  tf: TfjsModule,
  layers: readonly DenseParts[],
  lossOf: (y: Tensor, predicted: Tensor) => Tensor,
  x: Tensor,
  y: Tensor,
  clip: number,
): { sums: NamedTensorMap; lossSum: Scalar } {
  const rows = x.shape[0]!;
  const flat = tf.reshape(x, [rows, -1]);
  // The loss as a function of an offset on each layer's pre-activation: its gradient there, at 0,
  // is each example's δ (the loss is a sum over examples, so row i depends on example i alone).
  const inputs: Tensor[] = [];
  const forward = (offsets: readonly Tensor[], keep: boolean) => {
    let a = flat;
    layers.forEach((layer, l) => {
      if (keep) inputs.push(a);
      let z = tf.matMul(a, layer.kernel);
      if (layer.bias) z = tf.add(z, layer.bias);
      a = layer.activation(tf.add(z, offsets[l]!));
    });
    return tf.sum(lossOf(y, a)) as Scalar;
  };
  const zeros = layers.map((layer) => tf.zeros([rows, layer.kernel.shape[1]!]));
  forward(zeros, true);
  const { value, grads: deltas } = tf.valueAndGrads((...offsets: Tensor[]) => forward(offsets, false))(zeros);
  // ‖g_i‖² = Σ_l ‖a_{l−1,i}‖²·‖δ_{l,i}‖² (+ ‖δ_{l,i}‖² for the bias).
  const squared = tf.addN(
    layers.map((layer, l) => {
      const delta = tf.sum(tf.square(deltas[l]!), 1);
      const input = tf.sum(tf.square(inputs[l]!), 1);
      return layer.bias ? tf.mul(delta, tf.add(input, 1)) : tf.mul(delta, input);
    }),
  );
  const scale = tf.div(clip, tf.maximum(tf.sqrt(squared), clip)).reshape([rows, 1]);
  const sums: NamedTensorMap = {};
  layers.forEach((layer, l) => {
    const scaled = tf.mul(deltas[l]!, scale);
    sums[layer.kernel.name] = tf.matMul(inputs[l]!, scaled, true, false);
    if (layer.bias) sums[layer.bias.name] = tf.sum(scaled, 0);
  });
  return { sums, lossSum: value };
}
