import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listKeys } from './key-files.js';
import { accountFromPrivateKey, createKey, loadKey, loadOrCreateKey } from './keystore.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-keys-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );
}

describe('keystore', () => {
  it('creates a key readable only by its owner and loads it back', async () => {
    const created = await createKey(dataDir, 'client');
    const info = await stat(join(dataDir, 'keys', 'client.key'));
    expect(info.mode & 0o777).toBe(0o600);
    expect((await loadKey(dataDir, 'client')).address).toBe(created.address);
    expect(await listKeys(dataDir)).toEqual(['client']);
  });

  it('never overwrites an existing key', async () => {
    const first = await createKey(dataDir, 'client');
    expect(await codeOf(createKey(dataDir, 'client'))).toBe('KEY_EXISTS');
    expect((await loadOrCreateKey(dataDir, 'client')).address).toBe(first.address);
  });

  it('gives clear errors for missing, unsafe and corrupt keys', async () => {
    expect(await codeOf(loadKey(dataDir, 'nobody'))).toBe('KEY_NOT_FOUND');
    await createKey(dataDir, 'open');
    await chmod(join(dataDir, 'keys', 'open.key'), 0o644);
    expect(await codeOf(loadKey(dataDir, 'open'))).toBe('KEY_PERMISSIONS_TOO_OPEN');
    await writeFile(join(dataDir, 'keys', 'corrupt.key'), 'not a key\n', { mode: 0o600 });
    expect(await codeOf(loadKey(dataDir, 'corrupt'))).toBe('KEY_INVALID');
    expect(await codeOf(createKey(dataDir, '../escape'))).toBe('INVALID_ARGUMENT');
  });

  it('accepts keys with or without 0x and refuses invalid scalars without echoing them', () => {
    const key = `${'11'.repeat(32)}`;
    expect(accountFromPrivateKey(key).address).toBe(accountFromPrivateKey(`0x${key}`).address);
    let message = '';
    try {
      accountFromPrivateKey('0'.repeat(64));
    } catch (error) {
      expect(isIdlegridError(error, 'KEY_INVALID')).toBe(true);
      message = (error as Error).message;
    }
    expect(message).not.toContain('0'.repeat(64));
  });
});
