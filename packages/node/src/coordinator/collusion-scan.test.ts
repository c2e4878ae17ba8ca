import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessage, type SignedMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../scheduler/scheduler.js';
import { Random } from '../sim/random.js';
import { type CoordinatorStore, openCoordinatorStore } from '../store/open-store.js';
import { CollusionScan } from './collusion-scan.js';
import { ProviderRegistry } from './provider-registry.js';

const account = () => privateKeyToAccount(generatePrivateKey()).address;
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;

let dataDir: string;
let store: CoordinatorStore;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-collusion-'));
  store = await openCoordinatorStore({ dataDir });
});

afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A checked job as the store keeps it once accepted: its runs and the answer each gave. */
async function checkedJob(client: Address, n: number, answers: [Address, string][]): Promise<void> {
  const id = `0x${n.toString(16).padStart(64, '0')}`;
  await store.jobs.create({
    id,
    client,
    spec: { kind: 'JobSpec', n },
    deadline: 2_000_000_000,
    maxAttempts: 3,
  });
  await store.jobs.transition(id, 'matched', { patch: { provider: answers[0]![0], price: '1000' } });
  await store.jobs.transition(id, 'assigned', { patch: { leaseExpiresAt: 5_000 } });
  await store.jobs.transition(id, 'running');
  await store.jobs.transition(id, 'committed');
  await store.jobs.transition(id, 'accepted', { patch: { resultCid: 'bafkresult' } });
  for (const [i, [provider, outcome]] of answers.entries()) {
    await store.jobs.putRun({
      jobId: id,
      provider,
      purpose: i === 0 ? 'first' : i < 3 ? 'replica' : 'arbiter',
      state: 'done',
      resultCid: null,
      outcome,
      signed: {},
      leaseExpiresAt: null,
      updatedAt: n,
    });
  }
}

function voucher(client: Address, provider: Address, amount: bigint): SignedMessage<'Voucher'> {
  // The ledger keeps what the client signed; the scan reads only who paid whom how much.
  return {
    message: { client, provider, cumulativeAmount: amount, nonce: 1n },
  } as unknown as SignedMessage<'Voucher'>;
}

describe('CollusionScan', () => {
  it('finds a ring and a wash trader in the store and the chain, and the registry acts on them', async () => {
    const random = new Random(9);
    const honest = Array.from({ length: 30 }, account);
    const ring = Array.from({ length: 4 }, account);
    const client = account();
    let n = 0;
    // The ring's pairs lie together and lose to three honest runs (arbiters included).
    for (let i = 0; i < 24; i++) {
      const [a, b] = [ring[i % 4]!, ring[(i + 1 + (i % 3)) % 4]!];
      const others = [0, 1, 2].map(() => honest[Math.floor(random.next() * honest.length)]!);
      if (new Set(others).size < 3) continue;
      await checkedJob(client, n++, [
        [a, 'ring'],
        [b, 'ring'],
        ...others.map((p) => [p, `right-${n}`] as [Address, string]),
      ]);
    }
    // Honest jobs: three runs, now and then one wrong answer of its own.
    for (let i = 0; i < 150; i++) {
      const chosen = [...new Set([0, 1, 2].map(() => honest[Math.floor(random.next() * honest.length)]!))];
      if (chosen.length < 3) continue;
      await checkedJob(
        client,
        n++,
        chosen.map((p, j) => [p, j === 0 && random.next() < 0.1 ? `wrong-${n}` : `right-${n}`]),
      );
    }
    const wash = account();
    const owner = account();
    const [sock1, sock2] = [account(), account()];
    await store.payments.record(voucher(wash, sock1, 9_000n), 1);
    await store.payments.record(voucher(wash, sock2, 8_000n), 1);
    await store.payments.record(voucher(wash, honest[0]!, 1_000n), 1);
    await store.payments.record(voucher(client, honest[0]!, 50_000n), 1);
    await store.payments.record(voucher(client, honest[1]!, 40_000n), 1);
    const transfers = [
      { from: owner, to: wash, amount: 20_000n, transactionHash: hash(1), blockNumber: 1n },
      { from: sock1, to: owner, amount: 8_000n, transactionHash: hash(2), blockNumber: 2n },
      { from: owner, to: sock2, amount: 100n, transactionHash: hash(3), blockNumber: 3n },
    ];

    const now = Date.now();
    const registry = new ProviderRegistry(15_000, new Scheduler({ policy: 'learned' }));
    const expiry = BigInt(Math.floor(now / 1000) + 600);
    for (const provider of [...ring, honest[0]!, sock1]) {
      registry.upsertOffer(
        `peer-${provider}`,
        parseMessage('Offer', sampleMessages(provider, expiry).Offer),
        now,
        undefined,
      );
    }
    const scan = new CollusionScan({
      store: store.jobs,
      registry,
      payments: store.payments,
      transfers: async () => transfers,
    });
    const snapshot = await scan.scan();

    expect(snapshot.rings.map((r) => new Set(r.members))).toEqual([new Set(ring)]);
    expect(snapshot.rings[0]!.jobs.length).toBeGreaterThan(5);
    expect(snapshot.washTrading.map((s) => s.client)).toEqual([wash]);
    expect(snapshot.washTrading[0]!.links.map((l) => [l.provider, l.kind])).toEqual([
      [sock1, 'circular'],
      [sock2, 'common-funder'],
    ]);
    expect(snapshot.washTrading[0]!.links[0]!.transfers).toEqual([hash(2), hash(1)]);

    // Reputation: a suspect keeps half of what it earned; a wash trader's jobs earn nothing.
    expect(registry.effectiveReputation(ring[0]!)).toBeCloseTo(registry.reputation.score(ring[0]!) / 2);
    expect(registry.effectiveReputation(honest[0]!)).toBe(registry.reputation.score(honest[0]!));
    const before = registry.reputation.score(honest[0]!);
    registry.recordOutcome(honest[0]!, 'verified', now, wash);
    expect(registry.reputation.score(honest[0]!)).toBe(before);
    registry.recordOutcome(honest[0]!, 'verified', now, client);
    expect(registry.reputation.score(honest[0]!)).toBeGreaterThan(before);

    // Placement: a ring member's mates are kept off its job, and a suspect ranks below an equal honest offer.
    expect(new Set(registry.collusion.keepApart([ring[0]!]))).toEqual(new Set(ring));
    const job = {
      id: 'job',
      runtime: 'wasm',
      kind: 'k',
      model: '',
      tokens: 0,
      cpuCores: 1,
      memoryMb: 1,
      vramMb: 0,
      gpu: '',
      region: '',
      maxRttMs: 0,
      maxPrice: 1e18,
      maxSeconds: 1,
      minReputation: 0,
    };
    const placed = registry.scheduler.place(job, now, new Set([ring[1]!, ring[2]!, ring[3]!, sock1]));
    expect(placed.placed && placed.provider).toBe(honest[0]);
    if (placed.placed) expect(placed.decision.runnersUp[0]!.suspicion).toBe(0.5);
  });

  it('finds nothing in an honest market', async () => {
    const random = new Random(4);
    const honest = Array.from({ length: 20 }, account);
    const client = account();
    for (let n = 0; n < 120; n++) {
      const chosen = [...new Set([0, 1, 2].map(() => honest[Math.floor(random.next() * honest.length)]!))];
      if (chosen.length < 3) continue;
      await checkedJob(
        client,
        n,
        chosen.map((p, j) => [p, j === 0 && random.next() < 0.2 ? `wrong-${n}` : `right-${n}`]),
      );
    }
    const registry = new ProviderRegistry(15_000, new Scheduler({ policy: 'learned' }));
    const snapshot = await new CollusionScan({
      store: store.jobs,
      registry,
      payments: store.payments,
    }).scan();
    expect(snapshot).toMatchObject({ rings: [], washTrading: [] });
    expect(snapshot.scannedAt).toBeGreaterThan(0);
  });
});
