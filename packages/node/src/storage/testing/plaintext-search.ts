import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The ways a text can sit in a node's files: as is, and base64 encoded (the coordinator's
 * database keeps small blobs as base64), whatever its offset in the encoded blob. Each base64
 * form is the encoding of the text from byte k (k = 0, 1, 2) cut to whole groups: one of them
 * is aligned with the blob's groups.
 */
function storedForms(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const forms = [bytes];
  for (let k = 0; k < 3; k++) {
    const aligned = bytes.subarray(k, k + Math.floor((bytes.length - k) / 3) * 3);
    if (aligned.length >= 12) forms.push(Buffer.from(aligned.toString('base64')));
  }
  return forms;
}

/** Every file under `dir` that holds any of `texts`, as is or base64 encoded, with the text found. */
export async function filesHolding(
  dir: string,
  texts: readonly string[],
): Promise<{ file: string; text: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const forms = texts.map((text) => ({ text, forms: storedForms(text) }));
  const found: { file: string; text: string }[] = [];
  for (const entry of entries.filter((e) => e.isFile())) {
    const file = join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    for (const { text, forms: encoded } of forms) {
      if (encoded.some((form) => bytes.includes(form))) found.push({ file, text });
    }
  }
  return found;
}
