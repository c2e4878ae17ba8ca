import { createECDH } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checksumAddress, IdlegridError } from '@idlegrid/protocol/light';
import { keccak_256 } from '@noble/hashes/sha3';

/*
 * Key files on disk, without the signing stack: the CLI lists keys and their addresses in
 * milliseconds (viem and zod take a few hundred to load). Signing accounts are keystore.ts.
 */

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
export const KEY_PATTERN = /^(0x)?[0-9a-fA-F]{64}$/;

export type HexKey = `0x${string}`;

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

export function keyPath(dataDir: string, name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new IdlegridError('INVALID_ARGUMENT', `invalid key name "${name}": use letters, digits, . _ -`);
  }
  return join(keysDir(dataDir), `${name}.key`);
}

/** The raw private key of a key file, refusing files other users can read and files that are not keys. */
export async function loadPrivateKey(dataDir: string, name: string): Promise<HexKey> {
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
  if (!KEY_PATTERN.test(key)) {
    throw new IdlegridError('KEY_INVALID', `key file ${path} is not a 32-byte hex private key`);
  }
  return (key.startsWith('0x') ? key : `0x${key}`) as HexKey;
}

export async function listKeys(dataDir: string): Promise<string[]> {
  const entries = await readdir(keysDir(dataDir)).catch(() => [] as string[]);
  return entries
    .filter((entry) => entry.endsWith('.key'))
    .map((entry) => entry.slice(0, -4))
    .sort();
}

/** The checksummed (EIP-55) Ethereum address of a private key, by OpenSSL's secp256k1. */
export function addressOfPrivateKey(privateKey: HexKey): HexKey {
  const ecdh = createECDH('secp256k1');
  try {
    ecdh.setPrivateKey(Buffer.from(privateKey.slice(2), 'hex'));
  } catch (cause) {
    throw new IdlegridError('KEY_INVALID', 'not a valid secp256k1 private key', { cause });
  }
  // Uncompressed public key: 0x04 || x || y; the address is the last 20 bytes of keccak(x || y).
  const lower = Buffer.from(keccak_256(ecdh.getPublicKey().subarray(1)).subarray(12)).toString('hex');
  return checksumAddress(lower, keccak_256);
}

/** The address of a stored key, without loading a signing account. */
export async function keyAddress(dataDir: string, name: string): Promise<HexKey> {
  return addressOfPrivateKey(await loadPrivateKey(dataDir, name));
}
