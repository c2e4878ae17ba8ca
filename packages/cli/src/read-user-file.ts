import { readFile } from 'node:fs/promises';
import { IdlegridError } from '@idlegrid/protocol/light';

/** Reads a file the user named, with FILE_NOT_FOUND or FILE_UNREADABLE instead of a raw system error. */
export async function readUserFile(path: string, flag: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new IdlegridError('FILE_NOT_FOUND', `${flag} ${path}: no such file`, { details: { path } });
    }
    const why =
      code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new IdlegridError('FILE_UNREADABLE', `${flag} ${path}: ${why}`, { details: { path }, cause });
  }
}
