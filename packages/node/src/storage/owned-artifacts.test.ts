import { createHash } from 'node:crypto';
import { isIdlegridError, localAccount, signMessage, toWireJson } from '@idlegrid/protocol';
import { encryptArtifact, newArtifactKey, publicKeyOf, wrapKey } from '@idlegrid/protocol/privacy';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { type CoordinatorClient, downloadArtifact } from '@idlegrid/sdk';
import {
  artifactKeyOf,
  eraseAllArtifacts,
  eraseArtifact,
  exportData,
  grantArtifact,
  listArtifacts,
  type OwnerContext,
  openArtifact,
  putOwnedArtifact,
  readArtifact,
  revokeArtifact,
  sealArtifact,
} from '@idlegrid/sdk/privacy';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import type { Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDomain } from '../api/testing.js';
import { type OffChainCoordinator, startOffChainCoordinator } from '../coordinator/testing.js';
import { filesHolding } from './testing/plaintext-search.js';

const domain = testDomain;
const text = (s: string) => new TextEncoder().encode(s);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );
}

describe('owned and encrypted artifacts through a real coordinator', () => {
  let running: OffChainCoordinator;
  let dataDir: string;
  let client: CoordinatorClient;
  /** An owner's context and its wallet key. */
  const owner = (): OwnerContext & { key: Hex } => {
    const key = generatePrivateKey();
    return { coordinator: client, signer: localAccount(key), domain, key };
  };

  beforeAll(async () => {
    running = await startOffChainCoordinator('owned');
    ({ client, dataDir } = running);
  });
  afterAll(() => running.stop());

  it('stores only ciphertext: no file of the coordinator holds the plaintext, which only the owner opens', async () => {
    const alice = owner();
    const marker = `private-marker-${crypto.randomUUID()}`;
    // Large enough for a file of its own, and a small one the coordinator keeps in SQLite.
    for (const plaintext of [marker.repeat(4_000), marker]) {
      const sealed = await sealArtifact(alice, text(plaintext));
      const stored = await readArtifact(alice, sealed.cid);
      expect(Buffer.from(stored).includes(Buffer.from(marker))).toBe(false);
      // From the coordinator's copy of the wrapped key, as on another machine of the owner.
      const opened = await openArtifact(alice, sealed.cid, alice.key);
      expect(new TextDecoder().decode(opened.plaintext)).toBe(plaintext);
    }
    expect(await filesHolding(dataDir, [marker])).toEqual([]);
  });

  it('opens for nobody else, and gives another its wrapped key never', async () => {
    const alice = owner();
    const mallory = owner();
    const sealed = await sealArtifact(alice, text('for alice only'));
    expect(await codeOf(openArtifact(mallory, sealed, mallory.key))).toBe('KEY_UNWRAP_FAILED');
    expect(await codeOf(artifactKeyOf(mallory, sealed.cid))).toBe('ARTIFACT_NOT_OWNER');
    expect(await artifactKeyOf(alice, sealed.cid)).toBe(sealed.wrappedKey);
  });

  it('erases on the owner’s signed request only: the key at once, the bytes with the last owner', async () => {
    const alice = owner();
    const bob = owner();
    const sealed = await sealArtifact(alice, text(`erase me ${crypto.randomUUID()}`));
    expect(await codeOf(eraseArtifact(bob, sealed.cid))).toBe('ARTIFACT_NOT_OWNER');
    // No job used it: no provider holds a copy, none is cancelled.
    expect(await eraseArtifact(alice, sealed.cid)).toEqual({
      cid: sealed.cid,
      blobDestroyed: true,
      providersNotified: [],
      jobsCancelled: [],
    });
    expect(await codeOf(readArtifact(alice, sealed.cid))).toBe('ARTIFACT_NOT_FOUND');
    expect(await codeOf(artifactKeyOf(alice, sealed.cid))).toBe('ARTIFACT_NOT_OWNER');
    expect(await codeOf(eraseArtifact(alice, sealed.cid))).toBe('ARTIFACT_NOT_OWNER');
    // The same bytes stored by two owners: one erasure leaves the other's copy.
    const shared = text(`the same bytes ${crypto.randomUUID()}`);
    const cid = await putOwnedArtifact(alice, shared);
    expect(await putOwnedArtifact(bob, shared)).toBe(cid);
    expect(await eraseArtifact(alice, cid)).toMatchObject({ cid, blobDestroyed: false });
    expect(await readArtifact(bob, cid)).toEqual(shared);
    expect(await eraseArtifact(bob, cid)).toMatchObject({ cid, blobDestroyed: true });
    expect(await codeOf(readArtifact(bob, cid))).toBe('ARTIFACT_NOT_FOUND');
  });

  it('refuses replayed, mismatched and forged requests with their codes, and erases nothing', async () => {
    const alice = owner();
    const cid = await putOwnedArtifact(alice, text(`keep me ${crypto.randomUUID()}`));
    const request = (action: 'erase' | 'key', forCid: string, nonce = 7n) =>
      signMessage(alice.signer, domain, 'ArtifactRequest', {
        requester: alice.signer.address,
        action,
        cid: forCid,
        nonce,
        expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
      });
    const erase = async (header: string) =>
      codeOf(
        client.requestJson('DELETE', `/v1/artifacts/${cid}`, { headers: { 'x-idlegrid-request': header } }),
      );
    expect(await erase(toWireJson(await request('key', cid)))).toBe('ARTIFACT_REQUEST_MISMATCH');
    expect(await erase(toWireJson(await request('erase', 'bafkreiother')))).toBe('ARTIFACT_REQUEST_MISMATCH');
    const forged = await request('erase', cid, 8n);
    expect(await erase(toWireJson({ ...forged, message: { ...forged.message, nonce: 9n } }))).toBe(
      'SIGNER_MISMATCH',
    );
    expect(await erase('not json')).toBe('MESSAGE_INVALID');
    expect(await codeOf(eraseArtifact(alice, 'not-a-cid'))).toBe('CID_INVALID');
    expect(await codeOf(artifactKeyOf(alice, 'not-a-cid'))).toBe('CID_INVALID');
    expect(await codeOf(client.requestJson('DELETE', `/v1/artifacts/${cid}`))).toBe('MESSAGE_INVALID');
    const good = toWireJson(await request('erase', cid, 10n));
    expect(await readArtifact(alice, cid)).toBeDefined();
    expect(await erase(good)).toBe('no error');
    expect(await erase(good)).toBe('MESSAGE_REPLAYED');
  });

  it('reads and uses an owned artifact only with leave: the owner, a grantee in force, nobody else', async () => {
    const alice = owner();
    const bob = owner();
    const carol = owner();
    const plaintext = `granted ${crypto.randomUUID()}`;
    const sealed = await sealArtifact(alice, text(plaintext));
    // Nobody else reads it, signed or not; nobody else may name it in a job.
    expect(await codeOf(downloadArtifact(bob, sealed.cid))).toBe('ARTIFACT_ACCESS_DENIED');
    expect(await codeOf(readArtifact(bob, sealed.cid))).toBe('ARTIFACT_ACCESS_DENIED');
    const jobFor = async (who: typeof bob) =>
      client.postJson(
        '/v1/jobs',
        await signMessage(who.signer, domain, 'JobSpec', {
          ...sampleMessages(who.signer.address, BigInt(Math.floor(Date.now() / 1000) + 300)).JobSpec,
          jobId: `0x${crypto.randomUUID().replaceAll('-', '').padEnd(64, '0')}` as Hex,
          inputCids: [sealed.cid],
          deadline: BigInt(Math.floor(Date.now() / 1000) + 120),
          nonce: BigInt(Date.now()),
        }),
      );
    expect(await codeOf(jobFor(bob))).toBe('ARTIFACT_ACCESS_DENIED');
    // A grant to bob, with the key wrapped to him: he reads, opens and uses it; carol still not.
    const until = BigInt(Math.floor(Date.now() / 1000) + 3_600);
    const grant = await grantArtifact(alice, sealed.cid, {
      grantee: bob.signer.address,
      purpose: 'job',
      untilSeconds: until,
      granteePublicKey: bob.signer.publicKey,
      privateKey: alice.key,
    });
    expect(grant).toMatchObject({ grantee: bob.signer.address, purpose: 'job', until: Number(until) });
    expect(new TextDecoder().decode((await openArtifact(bob, sealed.cid, bob.key)).plaintext)).toBe(
      plaintext,
    );
    const granted = (await jobFor(bob)) as { job: { id: string } };
    // Another spelling of the same CID (base58btc) is no way around the check: artifacts are named canonically.
    const base58 = CID.parse(sealed.cid).toString(base58btc);
    expect(
      await codeOf(
        client.postJson(
          '/v1/jobs',
          await signMessage(bob.signer, domain, 'JobSpec', {
            ...sampleMessages(bob.signer.address, BigInt(Math.floor(Date.now() / 1000) + 300)).JobSpec,
            jobId: `0x${crypto.randomUUID().replaceAll('-', '').padEnd(64, '1')}` as Hex,
            inputCids: [base58],
            deadline: BigInt(Math.floor(Date.now() / 1000) + 120),
            nonce: BigInt(Date.now()) + 7n,
          }),
        ),
      ),
    ).toBe('CID_INVALID');
    expect(await codeOf(readArtifact(carol, sealed.cid))).toBe('ARTIFACT_ACCESS_DENIED');
    expect(await codeOf(bob.coordinator.postJson(`/v1/artifacts/${sealed.cid}/grants`, {}))).toBe(
      'MESSAGE_UNKNOWN_KIND',
    );
    // Only an owner grants; a grant for another key than the grantee's is refused here.
    expect(
      await codeOf(
        grantArtifact(bob, sealed.cid, {
          grantee: carol.signer.address,
          untilSeconds: until,
          granteePublicKey: carol.signer.publicKey,
          privateKey: bob.key,
        }),
      ),
    ).toBe('ARTIFACT_NOT_OWNER');
    expect(
      await codeOf(
        grantArtifact(alice, sealed.cid, {
          grantee: carol.signer.address,
          untilSeconds: until,
          granteePublicKey: bob.signer.publicKey,
          privateKey: alice.key,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    // Revoked: denied again, at once.
    await revokeArtifact(alice, sealed.cid, bob.signer.address);
    expect(await codeOf(readArtifact(bob, sealed.cid))).toBe('ARTIFACT_ACCESS_DENIED');
    // The job bob queued under the grant ends with it (no provider ran it: nothing is charged).
    const queued = (await client.getJson(`/v1/jobs/${granted.job.id}`)) as {
      job: { state: string; error: { code: string } };
    };
    expect(queued.job).toMatchObject({ state: 'cancelled', error: { code: 'ARTIFACT_ACCESS_DENIED' } });
    expect(await codeOf(jobFor(bob))).toBe('ARTIFACT_ACCESS_DENIED');
    // An expired grant is no grant.
    await grantArtifact(alice, sealed.cid, {
      grantee: carol.signer.address,
      untilSeconds: BigInt(Math.floor(Date.now() / 1000) - 1),
      granteePublicKey: carol.signer.publicKey,
      privateKey: alice.key,
    });
    expect(await codeOf(readArtifact(carol, sealed.cid))).toBe('ARTIFACT_ACCESS_DENIED');
  });

  it('lists what an owner holds, exports all it left, and erases it all', async () => {
    const dana = owner();
    const sealed = await sealArtifact(dana, text(`one ${crypto.randomUUID()}`));
    const plain = await putOwnedArtifact(dana, text(`two ${crypto.randomUUID()}`));
    const listed = await listArtifacts(dana);
    expect(listed.artifacts.map((a) => [a.cid, a.encrypted]).sort()).toEqual(
      [
        [sealed.cid, true],
        [plain, false],
      ].sort(),
    );
    const exported = await exportData(dana);
    expect(exported).toMatchObject({ address: dana.signer.address, jobs: [], erasures: [] });
    expect((exported.artifacts as unknown[]).length).toBe(2);
    // Only the signer's own: another's request names itself, and gets its own (empty) list.
    expect((await listArtifacts(owner())).artifacts).toEqual([]);
    const erased = await eraseAllArtifacts(dana);
    expect(erased.map((e) => e.blobDestroyed)).toEqual([true, true]);
    expect((await listArtifacts(dana)).artifacts).toEqual([]);
    expect(((await exportData(dana)).erasures as unknown[]).length).toBe(2);
  });

  it('opens a large sealed artifact (on another thread) as it arrives, and refuses one altered', async () => {
    const alice = owner();
    const plaintext = new Uint8Array(9 * 2 ** 20);
    for (let at = 0; at < plaintext.byteLength; at += 65_536)
      crypto.getRandomValues(plaintext.subarray(at, at + 65_536));
    const sealed = await sealArtifact(alice, plaintext);
    const opened = await openArtifact(alice, sealed, alice.key);
    expect(Buffer.compare(opened.plaintext, plaintext)).toBe(0);
    expect(opened.sha256).toBe(`0x${createHash('sha256').update(plaintext).digest('hex')}`);
    const key = newArtifactKey();
    const altered = await encryptArtifact(key, plaintext);
    altered[5_000_000]! ^= 1;
    const wrappedKey = wrapKey(key, publicKeyOf(alice.key));
    const cid = await putOwnedArtifact(alice, altered, wrappedKey);
    expect(await codeOf(openArtifact(alice, { cid, wrappedKey }, alice.key))).toBe('ENVELOPE_TAMPERED');
  });
});
