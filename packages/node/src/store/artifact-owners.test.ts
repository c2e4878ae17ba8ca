import { isIdlegridError } from '@idlegrid/protocol';
import { type Dialect, Kysely } from 'kysely';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactCopies } from './artifact-copies.js';
import { ArtifactOwners } from './artifact-owners.js';
import { postgresDialect, sqliteDialect } from './dialects.js';
import { GroupCommit } from './group-commit.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

const url = process.env.TEST_DATABASE_URL;
const someone = () => privateKeyToAddress(generatePrivateKey());
const someCid = () => `bafkrei${crypto.randomUUID().replaceAll('-', '')}`;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );
}

function artifactOwnersConformance(name: string, dialect: () => Promise<Dialect>) {
  describe(`artifact owners (${name})`, () => {
    let db: Kysely<Database>;
    let owners: ArtifactOwners;
    let copies: ArtifactCopies;
    beforeAll(async () => {
      db = new Kysely<Database>({ dialect: await dialect() });
      await migrateToLatest(db);
      owners = new ArtifactOwners(db);
      copies = new ArtifactCopies(db, new GroupCommit(db));
    });
    afterAll(() => db.destroy());

    it('keeps one claim per owner, with its wrapped key, and destroys the bytes with the last', async () => {
      const [alice, bob, cid] = [someone(), someone(), someCid()];
      await owners.claim(cid, alice, '0xaa', 1);
      await owners.claim(cid, alice, '0xbb', 2);
      await owners.claim(cid, bob, null, 3);
      expect((await owners.claimOf(cid, alice))?.wrappedKey).toBe('0xbb');
      expect((await owners.claimOf(cid, bob))?.wrappedKey).toBeNull();
      expect(await owners.erase(cid, alice, 10)).toEqual({ destroy: false });
      expect(await owners.claimOf(cid, alice)).toBeUndefined();
      expect(await codeOf(owners.erase(cid, alice, 11))).toBe('ARTIFACT_NOT_OWNER');
      expect(await owners.erase(cid, bob, 12)).toEqual({ destroy: true });
      expect(await owners.erasuresOf(alice)).toEqual([{ cid, requestedAt: 10, blobDestroyed: false }]);
      expect(await owners.erasuresOf(bob)).toEqual([{ cid, requestedAt: 12, blobDestroyed: true }]);
    });

    it('takes each (requester, nonce) once while its request lives, and forgets it after', async () => {
      const requester = someone();
      const live = BigInt(Math.floor(Date.now() / 1000) + 300);
      await owners.takeNonce(requester, 5n, live);
      await owners.takeNonce(someone(), 5n, live);
      expect(await codeOf(owners.takeNonce(requester, 5n, live))).toBe('MESSAGE_REPLAYED');
      // Addresses are compared without regard to case.
      expect(await codeOf(owners.takeNonce(requester.toLowerCase() as typeof requester, 5n, live))).toBe(
        'MESSAGE_REPLAYED',
      );
      // Expired requests' nonces are swept as nonces are taken: the live one stays taken.
      const expired = someone();
      await owners.takeNonce(expired, 1n, 1n);
      for (let n = 0n; n < 300n; n++) await owners.takeNonce(someone(), n, live);
      await owners.takeNonce(expired, 1n, live);
      expect(await codeOf(owners.takeNonce(requester, 5n, live))).toBe('MESSAGE_REPLAYED');
    });

    it("turns an erased artifact's copies into notices that wait for each provider's receipt", async () => {
      const [cid, other, p1, p2] = [someCid(), someCid(), someone(), someone()];
      await copies.record([cid, other], p1, 1);
      await copies.record([cid], p1, 2); // again: one copy
      await copies.record([cid], p2, 3);
      expect((await copies.erase(cid, 10)).sort()).toEqual([p1, p2].sort());
      expect(await copies.pendingFor(p1)).toEqual([cid]);
      expect(await copies.providersPending()).toEqual(expect.arrayContaining([p1, p2]));
      await copies.confirm(cid, p1, { signed: 'receipt' }, 12);
      expect(await copies.pendingFor(p1)).toEqual([]);
      expect(await copies.noticesOf(cid)).toEqual(
        [
          { cid, provider: p1, requestedAt: 10, confirmedAt: 12, receipt: { signed: 'receipt' } },
          { cid, provider: p2, requestedAt: 10, confirmedAt: null, receipt: null },
        ].sort((a, b) => a.provider.toLowerCase().localeCompare(b.provider.toLowerCase())),
      );
      // Erased once: no copy is left to tell; the other artifact's copy stays recorded.
      expect(await copies.erase(cid, 20)).toEqual([]);
      expect(await copies.erase(other, 21)).toEqual([p1]);
    });
  });
}

artifactOwnersConformance('SQLite', () => sqliteDialect(':memory:'));
describe.runIf(url)('PostgreSQL', () => {
  artifactOwnersConformance('PostgreSQL', () => postgresDialect(url!));
});
