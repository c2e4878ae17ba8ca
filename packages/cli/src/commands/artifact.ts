import { writeFile } from 'node:fs/promises';
import { IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import { addressOfPublicKey, isEnvelope, publicKeyOf } from '@idlegrid/protocol/privacy';
import { loadPrivateKey } from '@idlegrid/sdk';
import {
  artifactKeyOf,
  eraseAllArtifacts,
  eraseArtifact,
  exportData,
  type GrantPurpose,
  grantArtifact,
  listArtifacts,
  type OwnerContext,
  openArtifact,
  putOwnedArtifact,
  readArtifact,
  revokeArtifact,
  sealArtifact,
} from '@idlegrid/sdk/privacy';
import type { Command } from 'commander';
import { type Address, getAddress, type Hex, hexToBytes, isAddress, toHex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { COORDINATOR_HELP, collectUrls } from '../coordinator-url.js';
import { table } from '../format.js';
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
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
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
        : await readArtifact(ctx, cid);
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
    .command('erase [cid]')
    .description(
      "erase an artifact you own (or --all of them): its key at once, its bytes and every provider's copy once no other owner holds them",
    )
    .option('--all', 'every artifact you own')
    .action(async (cid: string | undefined, options: { all?: boolean }, command: Command) => {
      const { ctx, out } = await ownerContext(command);
      if (options.all === (cid !== undefined))
        throw new IdlegridError('INVALID_ARGUMENT', 'name one CID, or --all');
      const erased = cid ? [await eraseArtifact(ctx, cid)] : await eraseAllArtifacts(ctx);
      out.result(
        cid ? erased[0] : erased,
        () =>
          erased
            .map((one) =>
              one.blobDestroyed
                ? `erased ${one.cid}${one.providersNotified.length ? ` (${one.providersNotified.length} providers told)` : ''}`
                : `erased your claim on ${one.cid}; another owner keeps the same bytes`,
            )
            .join('\n') || 'you own no artifact',
      );
    });

  artifact
    .command('list')
    .description('the artifacts you own, and the grants you gave and received')
    .action(async (_options: unknown, command: Command) => {
      const { ctx, out } = await ownerContext(command);
      const listed = await listArtifacts(ctx);
      out.result(listed, () =>
        listed.artifacts.length === 0
          ? 'you own no artifact'
          : table([
              ['CID', 'ENCRYPTED', 'BYTES', 'STORED'],
              ...listed.artifacts.map((a) => [
                a.cid,
                a.encrypted ? 'yes' : 'no',
                a.size === null ? '-' : String(a.size),
                new Date(a.createdAt).toISOString(),
              ]),
            ]),
      );
    });

  artifact
    .command('grant <cid>')
    .description(
      'let someone read and use an artifact of yours (its key is wrapped to them when it is encrypted)',
    )
    .requiredOption('--to <who>', 'the grantee: a key name in the data directory, or a public key (0x...)')
    .option('--purpose <purpose>', 'job, provider or model-serving (default: any use)', '')
    .option('--days <n>', 'how long the grant lasts', '30')
    .action(async (cid: string, options: { to: string; purpose: string; days: string }, command: Command) => {
      const { ctx, key, out, dataDir } = await ownerContext(command);
      if (!['', 'job', 'provider', 'model-serving'].includes(options.purpose))
        throw new IdlegridError('INVALID_ARGUMENT', '--purpose is job, provider or model-serving');
      const days = Number(options.days);
      if (!(days > 0)) throw new IdlegridError('INVALID_ARGUMENT', '--days must be a positive number');
      const grantee = await granteeOf(dataDir, options.to);
      const granted = await grantArtifact(ctx, cid, {
        ...grantee,
        purpose: options.purpose as GrantPurpose,
        untilSeconds: BigInt(Math.floor(Date.now() / 1000 + days * 86_400)),
        privateKey: key,
      });
      out.result(
        granted,
        () => `${granted.grantee} may use ${cid} until ${new Date(granted.until * 1000).toISOString()}`,
      );
    });

  artifact
    .command('revoke <cid>')
    .description('end the grants you gave someone on an artifact')
    .requiredOption('--to <who>', 'the grantee: a key name in the data directory, an address or a public key')
    .action(async (cid: string, options: { to: string }, command: Command) => {
      const { ctx, out, dataDir } = await ownerContext(command);
      const revoked = await revokeArtifact(ctx, cid, (await granteeOf(dataDir, options.to)).grantee);
      out.result(revoked, () => `${revoked.grantee} may no longer use ${cid}`);
    });

  artifact
    .command('export')
    .description(
      'everything the network keeps about you (jobs, artifacts, grants, erasures, payments), as JSON',
    )
    .option('--out <file>', 'write it to this file (default: standard output)')
    .action(async (options: { out?: string }, command: Command) => {
      const { ctx, out } = await ownerContext(command);
      const exported = await exportData(ctx);
      if (!options.out) return out.result(exported, () => JSON.stringify(exported, null, 2));
      await writeFile(options.out, `${JSON.stringify(exported, null, 2)}\n`);
      out.result({ address: exported.address, out: options.out }, () => `wrote ${options.out}`);
    });
}

/** A grantee: a key of the data directory (its address and public key), a public key, or an address (no key wrapped to it). */
async function granteeOf(
  dataDir: string,
  who: string,
): Promise<{ grantee: Address; granteePublicKey?: Hex }> {
  if (/^0x0[23][0-9a-fA-F]{64}$|^0x04[0-9a-fA-F]{128}$/.test(who)) {
    return { grantee: addressOfPublicKey(hexToBytes(who as Hex)), granteePublicKey: who as Hex };
  }
  if (isAddress(who)) return { grantee: getAddress(who) };
  const key = await loadPrivateKey(dataDir, who);
  return { grantee: privateKeyToAddress(key), granteePublicKey: toHex(publicKeyOf(key)) };
}
