import { z } from 'zod';

/** A tensor's dimensions as JSON requests give them: whole numbers, at most `maxRank` of them. */
export function dimsSchema(maxRank: number) {
  return z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1),
    )
    .max(maxRank);
}

/**
 * Adds an issue unless `data` holds exactly the elements `dims` describe. One check of the
 * whole tensor rather than a schema per element: inputs can hold millions.
 */
export function checkTensorSize(
  tensor: { dims: readonly number[]; data: readonly unknown[] },
  ctx: z.RefinementCtx,
): boolean {
  const size = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (size === tensor.data.length) return true;
  ctx.addIssue({
    code: 'custom',
    path: ['data'],
    message: `dims ${JSON.stringify(tensor.dims)} hold ${size} elements, data has ${tensor.data.length}`,
  });
  return false;
}
