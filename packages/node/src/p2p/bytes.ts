/** The chunks one after another in one new array (`byteLength` when the caller knows it). */
export function concatBytes(
  chunks: readonly Uint8Array[],
  byteLength = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
): Uint8Array {
  const out = new Uint8Array(byteLength);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
