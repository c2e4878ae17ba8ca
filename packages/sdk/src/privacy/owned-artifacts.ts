import {
  type ARTIFACT_ACTIONS,
  ARTIFACT_REQUEST_HEADER,
  cidOfBytes,
  IdlegridError,
  parseCid,
  signMessage,
  type TypedDataSigner,
  toWireJson,
  WRAPPED_KEY_HEADER,
} from '@idlegrid/protocol';
import {
  concatBytes,
  decryptArtifactStream,
  encryptArtifact,
  newArtifactKey,
  type PlaintextDigest,
  unwrapKey,
  wrapKey,
} from '@idlegrid/protocol/privacy';
import { type Hex, hexToBytes, toHex } from 'viem';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import { chunksOf } from '../http/sse.js';
import { checkedUpload, downloadArtifact } from '../jobs/artifacts.js';
import type { JobsContext } from '../jobs/context.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomNonce } from '../jobs/job-spec.js';
import { decryptOffThread, OFF_THREAD_BYTES } from './off-thread.js';

/** An owner: its key signs artifact requests, and artifact keys are wrapped to its public key. */
export type OwnerContext = Omit<JobsContext, 'signer'> & { signer: TypedDataSigner & { publicKey: Hex } };

/** An encrypted artifact: the CID of the ciphertext and the key wrapped to its owner. */
export interface SealedArtifact {
  cid: string;
  wrappedKey: Hex;
}

const keySchema = z.object({ cid: z.string(), wrappedKey: z.string().nullable() });
const erasedSchema = z.object({
  cid: z.string(),
  erased: z.literal(true),
  blobDestroyed: z.boolean(),
  providersNotified: z.array(z.string()).default([]),
  jobsCancelled: z.array(z.string()).default([]),
});

/** The `x-idlegrid-request` header of a signed ArtifactRequest: what owned-artifact routes ask for. */
export async function signedRequest(
  ctx: Pick<OwnerContext, 'signer' | 'domain'>,
  action: (typeof ARTIFACT_ACTIONS)[number],
  cid: string,
): Promise<Record<string, string>> {
  const request = await signMessage(ctx.signer, ctx.domain, 'ArtifactRequest', {
    requester: ctx.signer.address,
    action,
    cid,
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  return { [ARTIFACT_REQUEST_HEADER]: toWireJson(request) };
}

/**
 * Stores `bytes` as an artifact the signer owns (a signed `put`), with the artifact key wrapped to
 * it when the bytes are an envelope. Only an owner can erase it.
 */
export async function putOwnedArtifact(
  ctx: OwnerContext,
  bytes: Uint8Array,
  wrappedKey?: Hex,
  options: RequestOptions = {},
): Promise<string> {
  const cid = cidOfBytes(bytes);
  const headers = {
    ...(await signedRequest(ctx, 'put', cid)),
    ...(wrappedKey && { [WRAPPED_KEY_HEADER]: wrappedKey }),
  };
  const answer = await ctx.coordinator.requestJson(
    'PUT',
    `/v1/artifacts/${cid}`,
    { headers, body: bytes },
    options,
  );
  return checkedUpload(answer, bytes, cid);
}

/**
 * Encrypts `plaintext` on this machine under a fresh key (an envelope: see
 * `@idlegrid/protocol/privacy`), wraps the key to the owner, and stores the ciphertext as an
 * artifact the owner owns, with its wrapped key. The coordinator never sees the plaintext, its
 * hash or the key.
 */
export async function sealArtifact(
  ctx: OwnerContext,
  plaintext: Uint8Array,
  options: RequestOptions = {},
): Promise<SealedArtifact> {
  const { cid, wrappedKey, key } = await sealBytes(ctx, plaintext, options);
  key.fill(0);
  return { cid, wrappedKey };
}

/** `sealArtifact`, keeping the artifact key for the caller (a private job hands it to its leases). */
export async function sealBytes(
  ctx: OwnerContext,
  plaintext: Uint8Array,
  options: RequestOptions = {},
): Promise<SealedArtifact & { key: Uint8Array }> {
  const key = newArtifactKey();
  try {
    const wrappedKey = wrapKey(key, hexToBytes(ctx.signer.publicKey));
    const cid = await putOwnedArtifact(ctx, await encryptArtifact(key, plaintext), wrappedKey, options);
    return { cid, wrappedKey, key };
  } catch (error) {
    key.fill(0);
    throw error;
  }
}

/**
 * The artifact key the coordinator keeps wrapped to this owner: null for an artifact the owner
 * stored in the clear, ARTIFACT_NOT_OWNER for one it does not own.
 */
export async function artifactKeyOf(
  ctx: OwnerContext,
  cid: string,
  options: RequestOptions = {},
): Promise<Hex | null> {
  parseCid(cid);
  const headers = await signedRequest(ctx, 'key', cid);
  const answer = parseAnswer(
    keySchema,
    await ctx.coordinator.requestJson(
      'GET',
      `/v1/artifacts/${encodeURIComponent(cid)}/key`,
      { headers },
      options,
    ),
    'artifact key',
  );
  return answer.wrappedKey as Hex | null;
}

/**
 * Downloads a sealed artifact and decrypts it with the owner's wallet key: the plaintext and its
 * sha-256 as the sealer computed it. The wrapped key comes from `sealed`, or from the coordinator.
 * KEY_UNWRAP_FAILED for a key wrapped to someone else, ENVELOPE_TAMPERED for changed ciphertext.
 */
export async function openArtifact(
  ctx: OwnerContext,
  sealed: string | SealedArtifact,
  privateKey: Hex,
  options: RequestOptions = {},
): Promise<{ plaintext: Uint8Array; sha256: Hex }> {
  const cid = typeof sealed === 'string' ? sealed : sealed.cid;
  parseCid(cid);
  const wrapped = typeof sealed === 'string' ? await artifactKeyOf(ctx, cid, options) : sealed.wrappedKey;
  if (!wrapped)
    throw new IdlegridError('KEY_UNWRAP_FAILED', `artifact ${cid} is stored in the clear: it has no key`);
  const key = unwrapKey(wrapped, privateKey);
  try {
    // No CID check of the ciphertext: each chunk authenticates under a key that exists for this
    // artifact alone, and the trailer names the plaintext, so any other bytes fail to open. A
    // second hash of a 100 MB model was half the cost of opening it. Chunks are opened as they
    // arrive: decryption overlaps the transfer.
    const path = `/v1/artifacts/${encodeURIComponent(cid)}`;
    const response = await ctx.coordinator.getStreamed(path, options, await signedRequest(ctx, 'read', cid));
    let digest: PlaintextDigest | undefined;
    const parts: Uint8Array[] = [];
    // A large one is opened on another core while the rest arrives.
    const open = response.size >= OFF_THREAD_BYTES ? decryptOffThread : decryptArtifactStream;
    for await (const part of open(key, chunksOf(response.body), (found) => (digest = found))) {
      parts.push(part);
    }
    return { plaintext: concatBytes(parts), sha256: toHex(digest!.sha256) };
  } finally {
    key.fill(0);
  }
}

/**
 * Downloads an owned artifact as it is stored (checked against its CID), with a signed `read`: as
 * its owner, a grantee, or a provider leased a job naming it. ARTIFACT_ACCESS_DENIED otherwise.
 */
export async function readArtifact(
  ctx: OwnerContext,
  cid: string,
  options: RequestOptions = {},
): Promise<Uint8Array> {
  return downloadArtifact(ctx, cid, options, await signedRequest(ctx, 'read', cid));
}

/**
 * Erases the owner's artifact: its claim and wrapped key go at once, and the bytes with the last
 * owner's claim (`blobDestroyed`). Without the key, any copy left anywhere is noise. With the bytes,
 * every provider that was given them is told to delete its copy (`providersNotified`: their
 * receipts come with `erasureOf`), and the jobs still needing them are cancelled (`jobsCancelled`).
 */
export async function eraseArtifact(
  ctx: OwnerContext,
  cid: string,
  options: RequestOptions = {},
): Promise<{ cid: string; blobDestroyed: boolean; providersNotified: string[]; jobsCancelled: string[] }> {
  parseCid(cid);
  const headers = await signedRequest(ctx, 'erase', cid);
  const answer = parseAnswer(
    erasedSchema,
    await ctx.coordinator.requestJson(
      'DELETE',
      `/v1/artifacts/${encodeURIComponent(cid)}`,
      { headers },
      options,
    ),
    'artifact erasure',
  );
  const { providersNotified, jobsCancelled } = answer;
  return { cid: answer.cid, blobDestroyed: answer.blobDestroyed, providersNotified, jobsCancelled };
}
