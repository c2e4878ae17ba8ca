import { writeFile } from 'node:fs/promises';
import { IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import { isEnvelope } from '@idlegrid/protocol/privacy';
import { downloadArtifact } from '@idlegrid/sdk';
import {
  artifactKeyOf,
  eraseArtifact,
  type OwnerContext,
  openArtifact,
  putOwnedArtifact,
  sealArtifact,
} from '@idlegrid/sdk/privacy';
import type { Command } from 'commander';
import type { Hex } from 'viem';
import { ownerContext } from '../owner-context.js';
import { readUserFile } from '../read-user-file.js';

/** The wrapped key of an artifact the owner sealed, null for one it stored in the clear or does not own. */
async function ownKeyOf(ctx: OwnerContext, cid: string): Promise<Hex | null> {
  try {
    return await artifactKeyOf(ctx, cid);
  } catch (error) {
    if (isIdlegridError(error, 'ARTIFACT_NOT_OWNER')) return null;
    throw error;
  }
}

export function registerArtifactCommands(artifact: Command): void {
  artifact
    .option('--coordinator <url>', 'coordinator HTTP API (or IDLEGRID_COORDINATOR, or localnet.json)')
    .option('--key <name>', 'the owner: a key in the data directory', 'client');

  artifact
    .command('put <file>')
    .description(
      'store a file on the network as yours; --encrypt seals it here first, so that only you can read it',
    )
    .option('--encrypt', 'encrypt on this machine (AES-256-GCM), the key wrapped to your key')
    .action(async (file: string, options: { encrypt?: boolean }, command: Command) => {
      const bytes = await readUserFile(file, 'artifact put');
      const { ctx, out } = await ownerContext(command);
      if (options.encrypt) out.step(`encrypting ${file}`);
      const cid = options.encrypt ? (await sealArtifact(ctx, bytes)).cid : await putOwnedArtifact(ctx, bytes);
      const result = {
        cid,
        owner: ctx.signer.address,
        bytes: bytes.byteLength,
        encrypted: options.encrypt === true,
      };
      out.result(result, () => `${cid}${options.encrypt ? ' (encrypted: only its owner can read it)' : ''}`);
    });

  artifact
    .command('get <cid>')
    .description('fetch an artifact, checked against its CID; one you sealed is decrypted with your key')
    .option('--out <file>', 'write it to this file (default: standard output)')
    .action(async (cid: string, options: { out?: string }, command: Command) => {
      const { ctx, key, out } = await ownerContext(command);
      const wrappedKey = await ownKeyOf(ctx, cid);
      const bytes = wrappedKey
        ? (await openArtifact(ctx, { cid, wrappedKey }, key)).plaintext
        : await downloadArtifact(ctx, cid);
      const decrypted = wrappedKey !== null;
      if (!decrypted && isEnvelope(bytes))
        out.step(
          `${cid} is encrypted and not yours (key ${command.optsWithGlobals<{ key: string }>().key}): written as stored`,
        );
      if (options.out) {
        await writeFile(options.out, bytes);
        return out.result(
          { cid, bytes: bytes.byteLength, out: options.out, decrypted },
          () => `wrote ${bytes.byteLength} bytes to ${options.out}${decrypted ? ' (decrypted)' : ''}`,
        );
      }
      if (out.json)
        throw new IdlegridError('INVALID_ARGUMENT', 'with --json, name a file with --out for the bytes');
      process.stdout.write(bytes);
    });

  artifact
    .command('erase <cid>')
    .description('erase an artifact you own: its key at once, its bytes once no other owner holds them')
    .action(async (cid: string, _options: unknown, command: Command) => {
      const { ctx, out } = await ownerContext(command);
      const erased = await eraseArtifact(ctx, cid);
      out.result(erased, () =>
        erased.blobDestroyed
          ? `erased ${cid}`
          : `erased your claim on ${cid}; another owner keeps the same bytes`,
      );
    });
}
