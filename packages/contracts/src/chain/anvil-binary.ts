import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';

const ARCH = { x64: 'amd64', arm64: 'arm64' } as const;

/**
 * Path of the anvil binary shipped in the platform package that npm installed beside
 * `@foundry-rs/anvil` (never downloaded). `ANVIL_BIN` overrides it.
 */
export function anvilBinaryPath(): string {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const arch = ARCH[process.arch as keyof typeof ARCH];
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch ?? process.arch}`;
  try {
    const fromWrapper = createRequire(
      createRequire(import.meta.url).resolve('@foundry-rs/anvil/package.json'),
    );
    const binary = join(dirname(fromWrapper.resolve(`${platformPackage}/package.json`)), 'bin', 'anvil');
    if (existsSync(binary)) return binary;
  } catch {
    // fall through to the clear error below
  }
  throw new IdlegridError('CHAIN_START_FAILED', `no anvil binary for ${process.platform}/${process.arch}`, {
    details: { platformPackage, hint: 'reinstall with npm install, or set ANVIL_BIN' },
  });
}
