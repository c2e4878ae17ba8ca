import { cidOfJson } from '@idlegrid/protocol';
import { hashFile } from '../../storage/file-cid.js';
import type { FileHasher } from '../../storage/file-cid-cache.js';
import { type OcrModelPaths, ocrModelPaths } from './ocr.js';

/** The name providers list the built-in OCR models under (`onnx:pp-ocrv4@<cid>`). */
export const OCR_MODEL_NAME = 'pp-ocrv4';

let identity: Promise<string> | undefined;

/**
 * The CID that names the built-in OCR models as a set: of the canonical JSON of the three
 * files' CIDs (detection, recognition, dictionary). Jobs name it as their module; two
 * providers listing it run exactly the same weights. Hashed once per process, with `hash`.
 */
export function ocrModelCid(
  paths: OcrModelPaths = ocrModelPaths(),
  hash: FileHasher = hashFile,
): Promise<string> {
  identity ??= Promise.all([hash(paths.detection), hash(paths.recognition), hash(paths.dictionary)]).then(
    ([detection, recognition, dictionary]) =>
      cidOfJson({ detection: detection.cid, recognition: recognition.cid, dictionary: dictionary.cid }),
  );
  return identity;
}
