import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import type { z } from 'zod';

/**
 * A JSON file that other processes change (`idlegrid model add` while a provider runs): read again
 * only once its modification time moved, and written whole (a temporary file renamed over it).
 */
export class WatchedJsonFile<T> {
  /** When the file was last read or written (its mtime); 0: never, or absent. */
  #readAt = 0;

  constructor(
    readonly path: string,
    private readonly schema: z.ZodType<T>,
    private readonly empty: T,
    /** What the file holds, for the error when it holds something else. */
    private readonly what: string,
  ) {}

  /** The file's content if it changed since it was last read (the empty value for a missing file); undefined when it did not. */
  async readIfChanged(): Promise<T | undefined> {
    const modified = await stat(this.path).then(
      (info) => info.mtimeMs,
      () => 0,
    );
    if (modified === this.#readAt) return undefined;
    const text = modified === 0 ? undefined : await readFile(this.path, 'utf8').catch(() => undefined);
    let content: T = this.empty;
    if (text !== undefined) {
      const parsed = this.schema.safeParse(safeJson(text));
      if (!parsed.success) throw new IdlegridError('CONFIG_INVALID', `${this.path} is not ${this.what}`);
      content = parsed.data;
    }
    this.#readAt = modified;
    return content;
  }

  async write(content: T): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`);
    await rename(temp, this.path);
    this.#readAt = (await stat(this.path)).mtimeMs;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
