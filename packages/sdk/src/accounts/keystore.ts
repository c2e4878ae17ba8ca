import { mkdir, writeFile } from 'node:fs/promises';
import { IdlegridError, localAccount } from '@idlegrid/protocol';
import type { Hex } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount } from 'viem/accounts';
import { KEY_PATTERN, keyPath, keysDir, loadPrivateKey } from './key-files.js';

/** Parses a hex private key, throwing KEY_INVALID (without echoing the secret) otherwise. */
export function accountFromPrivateKey(privateKey: string, source = 'private key'): PrivateKeyAccount {
  const trimmed = privateKey.trim();
  if (!KEY_PATTERN.test(trimmed)) {
    throw new IdlegridError('KEY_INVALID', `${source} is not a 32-byte hex private key`);
  }
  try {
    return localAccount((trimmed.startsWith('0x') ? trimmed : `0x${trimmed}`) as Hex);
  } catch (cause) {
    throw new IdlegridError('KEY_INVALID', `${source} is not a valid secp256k1 private key`, { cause });
  }
}

/** Creates a new random key; the file is written with mode 0600 and never overwritten. */
export async function createKey(dataDir: string, name: string, privateKey?: Hex): Promise<PrivateKeyAccount> {
  const path = keyPath(dataDir, name);
  const secret = privateKey ?? generatePrivateKey();
  const account = accountFromPrivateKey(secret);
  await mkdir(keysDir(dataDir), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new IdlegridError('KEY_EXISTS', `a key named "${name}" already exists`, {
        details: { name, path, hint: 'pick another --name, or use the existing key' },
      });
    }
    throw cause;
  }
  return account;
}

/** Loads a key's signing account (see key-files.ts for the checks on the file). */
export async function loadKey(dataDir: string, name: string): Promise<PrivateKeyAccount> {
  return accountFromPrivateKey(await loadPrivateKey(dataDir, name), `key file ${keyPath(dataDir, name)}`);
}

/** Loads the key, or creates it on first use. */
export async function loadOrCreateKey(dataDir: string, name: string): Promise<PrivateKeyAccount> {
  try {
    return await loadKey(dataDir, name);
  } catch (error) {
    if (error instanceof IdlegridError && error.code === 'KEY_NOT_FOUND') return createKey(dataDir, name);
    throw error;
  }
}
