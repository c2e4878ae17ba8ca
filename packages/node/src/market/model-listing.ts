import { IdlegridError, parseCid } from '@idlegrid/protocol';

/** The runtimes that serve models (as opposed to running modules). */
export const MODEL_RUNTIMES = ['llm', 'onnx', 'tfjs', 'fasttext'] as const;
export type ModelRuntime = (typeof MODEL_RUNTIMES)[number];

/** A model a provider serves, as its signed offer lists it: `runtime:name@cid`. */
export interface ModelListing {
  runtime: ModelRuntime;
  /** What clients ask for, e.g. `qwen2.5-0.5b-instruct`; several providers may list one name. */
  name: string;
  /** The exact weights: two providers listing one CID serve the same model. */
  cid: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

export function isModelRuntime(runtime: string): runtime is ModelRuntime {
  return (MODEL_RUNTIMES as readonly string[]).includes(runtime);
}

export function checkModelName(name: string): string {
  if (!NAME.test(name) || name.includes('@')) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `model name ${JSON.stringify(name)} must be 1-128 letters, digits and . _ : / -, starting with a letter or digit`,
    );
  }
  return name;
}

export function formatModelListing(listing: ModelListing): string {
  return `${listing.runtime}:${checkModelName(listing.name)}@${listing.cid}`;
}

/** The listing an offer entry names, or undefined for an entry this version does not read. */
export function parseModelListing(entry: string): ModelListing | undefined {
  const colon = entry.indexOf(':');
  const at = entry.lastIndexOf('@');
  if (colon < 0 || at < colon) return undefined;
  const runtime = entry.slice(0, colon);
  const name = entry.slice(colon + 1, at);
  const cid = entry.slice(at + 1);
  if (!isModelRuntime(runtime) || !NAME.test(name)) return undefined;
  try {
    return { runtime, name, cid: parseCid(cid).toString() };
  } catch {
    return undefined;
  }
}
