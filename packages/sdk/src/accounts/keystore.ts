import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError, localAccount } from '@idlegrid/protocol';
import type { Hex } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount } from 'viem/accounts';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const KEY_PATTERN = /^(0x)?[0-9a-fA-F]{64}$/;

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

function keyPath(dataDir: string, name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new IdlegridError('INVALID_ARGUMENT', `invalid key name "${name}": use letters, digits, . _ -`);
  }
  return join(keysDir(dataDir), `${name}.key`);
}

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
        details: { name, path },
      });
    }
    throw cause;
  }
  return account;
}

/** Loads a key, refusing files other users can read and files that are not keys. */
export async function loadKey(dataDir: string, name: string): Promise<PrivateKeyAccount> {
  return accountFromPrivateKey(await loadPrivateKey(dataDir, name), `key file ${keyPath(dataDir, name)}`);
}

/** The raw private key, for the few parts that need it (the libp2p identity is the wallet key). */
export async function loadPrivateKey(dataDir: string, name: string): Promise<Hex> {
  const path = keyPath(dataDir, name);
  let text: string;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new IdlegridError(
        'KEY_PERMISSIONS_TOO_OPEN',
        `${path} is readable by others: run chmod 600 on it`,
        {
          details: { name, path, mode: (info.mode & 0o777).toString(8) },
        },
      );
    }
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IdlegridError('KEY_NOT_FOUND', `no key named "${name}" in ${keysDir(dataDir)}`, {
        details: { name, hint: `create it with: idlegrid wallet new --name ${name}` },
      });
    }
    throw cause;
  }
  const key = text.trim();
  accountFromPrivateKey(key, `key file ${path}`);
  return (key.startsWith('0x') ? key : `0x${key}`) as Hex;
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

export async function listKeys(dataDir: string): Promise<string[]> {
  const entries = await readdir(keysDir(dataDir)).catch(() => [] as string[]);
  return entries
    .filter((entry) => entry.endsWith('.key'))
    .map((entry) => entry.slice(0, -4))
    .sort();
}
