import { hashFile } from '../../storage/file-cid.js';
import type { FileHasher } from '../../storage/file-cid-cache.js';
import { fastTextPaths } from './fasttext-loader.js';

/** The name providers list the built-in language identification model under (`fasttext:lid.176@<cid>`). */
export const LANGUAGE_ID_MODEL_NAME = 'lid.176';

/** The model file fasttext.wasm.js ships (`lid.176.ftz`, quantized, about 900 KiB); RUNTIME_UNAVAILABLE without the package. */
export function languageIdModelPath(): string {
  return fastTextPaths().languageIdModel;
}

const identities = new Map<string, Promise<string>>();

/**
 * The raw-blob CID of the language identification model file, hashed once per process (per
 * path, with `hash`). Jobs name it as their module; two providers listing it run exactly the same weights.
 */
export function languageIdModelCid(
  path: string = languageIdModelPath(),
  hash: FileHasher = hashFile,
): Promise<string> {
  let identity = identities.get(path);
  if (!identity) {
    const hashing = hash(path).then(({ cid }) => cid);
    // A failed hash (a file missing for now) is not remembered: the next call tries again.
    hashing.catch(() => {
      if (identities.get(path) === hashing) identities.delete(path);
    });
    identities.set(path, hashing);
    identity = hashing;
  }
  return identity;
}
