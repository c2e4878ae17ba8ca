import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { SecAggClient } from './client.js';
import type { SecAggConfig } from './config.js';
import { SecAggError } from './errors.js';
import { advertisementText, type KeyAdvertisement } from './messages.js';
import { SecAggServer } from './server.js';
import { simulateRound } from './simulate.js';
import { configFor, identities, maxError, plainSum, randomUpdate } from './test-fixtures.js';

async function round(config: SecAggConfig, people: ReturnType<typeof identities>, drop: string[] = []) {
  const updates = new Map(people.map((p, i) => [p.address, randomUpdate(config.vectorLength, 100 + i)]));
  const outcome = await simulateRound({
    config,
    privateKeys: people.map((p) => p.privateKey),
    updates,
    dropAfterShares: drop,
  });
  const survivors = people.map((p) => p.address).filter((a) => !drop.includes(a));
  return { ...outcome, expected: plainSum(survivors.map((a) => updates.get(a)!)), survivors };
}

/** Each client rounds by at most 0.5/scale; the float32 result adds ≤ 2^-24 · |sum|. */
const tolerance = (config: SecAggConfig, clients: number) => clients / (2 * config.scale) + 2e-6;

describe('secure aggregation', () => {
  const ten = identities(10);

  it('10 clients, complete graph: the unmasked sum is the sum of the updates', async () => {
    const config = configFor(ten, { vectorLength: 2000 });
    const { result, expected, masked } = await round(config, ten);
    expect(result.contributors).toEqual(ten.map((p) => p.address));
    expect(maxError(result.sum, expected)).toBeLessThanOrEqual(tolerance(config, 10));
    // And no single masked input is its update.
    const first = masked.get(ten[0]!.address)!;
    expect(first.filter((word) => word < 2 ** 30 || word > 2 ** 32 - 2 ** 30).length).toBeLessThan(1200);
  });

  it('SecAgg+: 20 clients with degree 6', async () => {
    const twenty = identities(20, 'plus');
    const config = configFor(twenty, { degree: 6, threshold: 4, vectorLength: 2000 });
    const { result, expected } = await round(config, twenty);
    expect(result.contributors).toHaveLength(20);
    expect(maxError(result.sum, expected)).toBeLessThanOrEqual(tolerance(config, 20));
  });

  it('2 of 10 drop after sharing keys: the sum of the 8 survivors', async () => {
    const config = configFor(ten, { threshold: 6 });
    const dropped = [ten[2]!.address, ten[7]!.address];
    const { result, expected, survivors } = await round(config, ten, dropped);
    expect(result.contributors).toEqual(survivors);
    expect(maxError(result.sum, expected)).toBeLessThanOrEqual(tolerance(config, 8));
  });

  it('SecAgg+ with dropouts: 3 of 20 drop', async () => {
    const twenty = identities(20, 'plus');
    const config = configFor(twenty, { degree: 8, threshold: 5, roundId: 'plus-drop' });
    const dropped = [twenty[0]!.address, twenty[9]!.address, twenty[13]!.address];
    const { result, expected } = await round(config, twenty, dropped);
    expect(result.contributors).toHaveLength(17);
    expect(maxError(result.sum, expected)).toBeLessThanOrEqual(tolerance(config, 17));
  });

  it('fails with SECAGG_FAILED when more drop than the threshold allows', async () => {
    const config = configFor(ten, { threshold: 6 });
    const dropped = ten.slice(0, 4).map((p) => p.address); // survivors keep 5 surviving neighbours < 6
    const failure = await round(config, ten, dropped).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SecAggError);
    expect(failure).toMatchObject({
      code: 'SECAGG_FAILED',
      message: expect.stringMatching(/fewer than the threshold 6/),
    });
  });
});

describe('what a client refuses', () => {
  const five = identities(5, 'refuse');
  const config = configFor(five, { threshold: 3, vectorLength: 16 });

  async function advertised() {
    const clients = five.map((p) => new SecAggClient({ privateKey: p.privateKey, config }));
    const adverts = await Promise.all(clients.map((client) => client.advertise()));
    return { clients, adverts };
  }

  it('a forged advertisement, signed by another key, at stage 1 (and the server refuses it too)', async () => {
    const { clients, adverts } = await advertised();
    const victim = adverts[1]!;
    const forger = privateKeyToAccount(identities(1, 'forger')[0]!.privateKey);
    const forged: KeyAdvertisement = {
      ...victim,
      cPublicKey: adverts[0]!.cPublicKey, // say, keys the server controls
      signature: '0x',
    };
    forged.signature = await forger.signMessage({ message: advertisementText(forged, config.roundId) });
    const relayed = adverts.map((advert) => (advert === victim ? forged : advert));
    await expect(clients[0]!.shareKeys(relayed)).rejects.toMatchObject({
      code: 'SECAGG_FAILED',
      message: expect.stringContaining(`${victim.address} is not signed by ${victim.address}`),
    });
    await expect(new SecAggServer(config).acceptAdvertisement(forged)).rejects.toBeInstanceOf(SecAggError);
  });

  it('an advertisement replayed from another round', async () => {
    const other = new SecAggClient({
      privateKey: five[1]!.privateKey,
      config: { ...config, roundId: 'round-0' },
    });
    const { clients, adverts } = await advertised();
    adverts[1] = await other.advertise();
    await expect(clients[0]!.shareKeys(adverts)).rejects.toThrow(/not signed .* for this round/);
  });

  it('to reveal both shares of one participant, fewer survivors than the threshold, or a changed request', async () => {
    const { clients, adverts } = await advertised();
    const server = new SecAggServer(config);
    for (const advert of adverts) await server.acceptAdvertisement(advert);
    for (const client of clients) server.acceptShares(client.address, await client.shareKeys(adverts));
    const client = clients[0]!;
    client.maskInput(new Float32Array(16), server.sharesFor(client.address));
    const everyone = five.map((p) => p.address);
    const target = everyone[3]!;
    const both = () => client.unmask(everyone, [target]);
    expect(both).toThrow(SecAggError);
    expect(both).toThrow(/twice/);
    expect(() => client.unmask(everyone.slice(0, 2), [])).toThrow(/fewer than the threshold/);
    const honest = client.unmask(
      everyone.filter((a) => a !== target),
      [target],
    );
    expect(honest.secretKeyShares.map((s) => s.of)).toEqual([target]);
    expect(honest.selfMaskShares.map((s) => s.of)).not.toContain(target);
    // Having revealed target's key share, it will not now reveal target's self-mask share.
    expect(() => client.unmask(everyone, [])).toThrow(/second, different unmask request/);
  });

  it('a share that was tampered with', async () => {
    const { clients, adverts } = await advertised();
    const shares = (await Promise.all(clients.map((client) => client.shareKeys(adverts)))).flat();
    const mine = shares.filter((share) => share.to === clients[0]!.address);
    const bytes = Buffer.from(mine[0]!.ciphertext, 'base64');
    bytes[20]! ^= 1;
    mine[0] = { ...mine[0]!, ciphertext: bytes.toString('base64') };
    expect(() => clients[0]!.maskInput(new Float32Array(16), mine)).toThrow(/does not decrypt/);
  });
});
