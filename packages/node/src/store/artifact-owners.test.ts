import { isIdlegridError } from '@idlegrid/protocol';
import { type Dialect, Kysely } from 'kysely';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactOwners } from './artifact-owners.js';
import { postgresDialect, sqliteDialect } from './dialects.js';
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
    beforeAll(async () => {
      db = new Kysely<Database>({ dialect: await dialect() });
      await migrateToLatest(db);
      owners = new ArtifactOwners(db);
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

    it('takes each (requester, nonce) once', async () => {
      const requester = someone();
      await owners.takeNonce(requester, 5n);
      await owners.takeNonce(someone(), 5n);
      expect(await codeOf(owners.takeNonce(requester, 5n))).toBe('MESSAGE_REPLAYED');
      // Addresses are compared without regard to case.
      expect(await codeOf(owners.takeNonce(requester.toLowerCase() as typeof requester, 5n))).toBe(
        'MESSAGE_REPLAYED',
      );
    });
  });
}

artifactOwnersConformance('SQLite', () => sqliteDialect(':memory:'));
describe.runIf(url)('PostgreSQL', () => {
  artifactOwnersConformance('PostgreSQL', () => postgresDialect(url!));
});
