import { isIdlegridError } from '@idlegrid/protocol';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStore, NewJob } from '../jobs/api.js';

const client = privateKeyToAccount(generatePrivateKey()).address;
const provider = privateKeyToAccount(generatePrivateKey()).address;
let counter = 0;

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  counter++;
  const id = `0x${counter.toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10).padEnd(56, '0')}`;
  return {
    id,
    client,
    spec: { kind: 'JobSpec', n: counter },
    deadline: 2_000_000_000,
    maxAttempts: 3,
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );
}

/** The behaviour every JobStore dialect must share; run once per dialect. */
export function jobStoreConformance(name: string, open: () => Promise<JobStore>): void {
  describe(`JobStore on ${name}`, () => {
    let store: JobStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    it('creates a submitted job with its first event, idempotently', async () => {
      const job = newJob();
      const created = await store.create(job);
      expect(created).toMatchObject({
        id: job.id,
        state: 'submitted',
        attempt: 1,
        version: 1,
        provider: null,
      });
      expect(await store.create(job)).toEqual(created);
      expect(await codeOf(store.create({ ...job, spec: { other: true } }))).toBe('JOB_EXISTS');
      expect(await store.events(job.id)).toMatchObject([{ seq: 1, from: null, to: 'submitted' }]);
      expect(await codeOf(store.get('0xmissing'))).toBe('JOB_NOT_FOUND');
    });

    it('takes each (client, nonce) once: the same spec again is the same job, another is a replay', async () => {
      const nonce = String(counter + 1_000_000);
      const first = newJob({ nonce });
      const created = await store.create(first);
      expect(created).not.toHaveProperty('nonce');
      expect(await store.create(first)).toEqual(created);
      const replay = newJob({ nonce });
      expect(await codeOf(store.create(replay))).toBe('MESSAGE_REPLAYED');
      expect(await codeOf(store.get(replay.id))).toBe('JOB_NOT_FOUND');
      // Nonces are the client's own: another client, or another nonce, is a new job.
      const stranger = privateKeyToAccount(generatePrivateKey()).address;
      await store.create(newJob({ nonce, client: stranger }));
      await store.create(newJob({ nonce: `${nonce}1` }));
      // Two in one commit: the first takes the nonce, the second is refused alone.
      const together = await Promise.allSettled([
        store.create(newJob({ nonce: '42' })),
        store.create(newJob({ nonce: '42' })),
      ]);
      expect(together.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
      expect(await codeOf(Promise.reject((together[1] as PromiseRejectedResult).reason))).toBe(
        'MESSAGE_REPLAYED',
      );
    });

    it('walks the whole life of a job and records every step', async () => {
      const { id } = await store.create(newJob());
      await store.transition(id, 'matched', { patch: { provider, price: '1000' } });
      await store.transition(id, 'assigned', { patch: { leaseExpiresAt: 5_000 }, detail: { lease: 1 } });
      await store.transition(id, 'running');
      await store.transition(id, 'committed');
      await store.transition(id, 'accepted', { patch: { resultCid: 'bafkresult' } });
      const settled = await store.transition(id, 'settled');
      expect(settled).toMatchObject({
        state: 'settled',
        provider,
        price: '1000',
        resultCid: 'bafkresult',
        version: 7,
      });
      expect(await store.get(id)).toEqual(settled);
      const events = await store.events(id);
      expect(events.map((e) => `${e.from}>${e.to}`)).toEqual([
        'null>submitted',
        'submitted>matched',
        'matched>assigned',
        'assigned>running',
        'running>committed',
        'committed>accepted',
        'accepted>settled',
      ]);
      expect(events[2]!.detail).toEqual({ lease: 1 });
    });

    it('passes through states in one write, recording an event for each', async () => {
      const { id } = await store.create(newJob());
      const assigned = await store.transition(id, 'assigned', {
        via: [{ state: 'matched', detail: { price: '7' } }],
        patch: { provider, leaseExpiresAt: 5_000 },
        detail: { lease: 1 },
      });
      expect(assigned).toMatchObject({ state: 'assigned', provider, leaseExpiresAt: 5_000, version: 3 });
      expect(await store.get(id)).toEqual(assigned);
      expect(await store.events(id)).toMatchObject([
        { seq: 1, to: 'submitted' },
        { seq: 2, from: 'submitted', to: 'matched', detail: { price: '7' } },
        { seq: 3, from: 'matched', to: 'assigned', detail: { lease: 1 } },
      ]);
      // Every step is checked: running cannot come before assigned.
      const other = await store.create(newJob());
      expect(await codeOf(store.transition(other.id, 'assigned', { via: [{ state: 'running' }] }))).toBe(
        'JOB_INVALID_TRANSITION',
      );
      expect(await store.get(other.id)).toEqual(other);
      expect(await store.events(other.id)).toHaveLength(1);
    });

    it('commits writes made together on their own: one that fails leaves the others', async () => {
      const clash = newJob();
      const others = [newJob(), newJob()];
      // Asked for in one turn, so they share a commit: the second clash is refused alone.
      const outcomes = await Promise.allSettled([
        store.create(clash),
        store.create({ ...clash, spec: { other: true } }),
        ...others.map((job) => store.create(job)),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(await codeOf(Promise.reject((outcomes[1] as PromiseRejectedResult).reason))).toBe('JOB_EXISTS');
      for (const job of [clash, ...others]) expect((await store.get(job.id)).spec).toEqual(job.spec);
      expect(await store.events(clash.id)).toHaveLength(1);
    });

    it('refuses moves the state machine does not allow', async () => {
      const { id } = await store.create(newJob());
      expect(await codeOf(store.transition(id, 'settled'))).toBe('JOB_INVALID_TRANSITION');
      await store.transition(id, 'cancelled');
      expect(await codeOf(store.transition(id, 'matched'))).toBe('JOB_INVALID_TRANSITION');
      expect(await codeOf(store.transition(id, 'failed', { from: ['running'] }))).toBe(
        'JOB_INVALID_TRANSITION',
      );
    });

    it('treats a repeated transition as a no-op', async () => {
      const { id } = await store.create(newJob());
      const first = await store.transition(id, 'matched');
      expect(await store.transition(id, 'matched')).toEqual(first);
      expect(await store.events(id)).toHaveLength(2);
    });

    it('retries a job whose lease expired, and finds expired leases', async () => {
      const leased = await store.create(newJob());
      const fresh = await store.create(newJob());
      for (const [job, lease] of [
        [leased, 1_000],
        [fresh, 9_000],
      ] as const) {
        await store.transition(job.id, 'matched', { patch: { provider } });
        await store.transition(job.id, 'assigned', { patch: { leaseExpiresAt: lease } });
      }
      const expired = await store.expiredLeases(5_000);
      expect(expired.map((j) => j.id)).toContain(leased.id);
      expect(expired.map((j) => j.id)).not.toContain(fresh.id);
      const retried = await store.transition(leased.id, 'submitted', {
        from: ['assigned', 'running'],
        patch: { attempt: 2, provider: null, leaseExpiresAt: null },
      });
      expect(retried).toMatchObject({ state: 'submitted', attempt: 2, provider: null, leaseExpiresAt: null });
      expect((await store.expiredLeases(5_000)).map((j) => j.id)).not.toContain(leased.id);
    });

    it('lets exactly one of two racing transitions win', async () => {
      const { id } = await store.create(newJob());
      await store.transition(id, 'matched');
      await store.transition(id, 'assigned');
      await store.transition(id, 'running');
      const outcomes = await Promise.allSettled([
        store.transition(id, 'committed', { from: ['running'] }),
        store.transition(id, 'submitted', { from: ['running'], patch: { attempt: 2 } }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const final = await store.get(id);
      expect(final.version).toBe(5);
      expect(await store.events(id)).toHaveLength(5);
    });

    it('lists jobs newest first, filtered by client, provider and state', async () => {
      const other = privateKeyToAccount(generatePrivateKey()).address;
      const a = await store.create(newJob({ client: other }));
      const b = await store.create(newJob({ client: other }));
      await store.transition(b.id, 'matched', { patch: { provider } });
      const mine = await store.list({ client: other });
      expect(mine.map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
      expect((await store.list({ client: other, states: ['matched'] })).map((j) => j.id)).toEqual([b.id]);
      expect((await store.list({ provider, states: ['matched'] })).map((j) => j.id)).toContain(b.id);
      expect(await store.list({ client: other, limit: 1 })).toHaveLength(1);
      const counts = await store.countByState();
      expect(counts.matched).toBeGreaterThanOrEqual(1);
      expect(counts.submitted).toBeGreaterThanOrEqual(1);
    });

    it('records each run of a job once per provider, updating it in place', async () => {
      const job = await store.create(newJob());
      const other = privateKeyToAccount(generatePrivateKey()).address;
      const first = {
        jobId: job.id,
        provider,
        purpose: 'first' as const,
        state: 'done' as const,
        resultCid: 'bafkrei-first',
        outcome: 'bafkrei-answer',
        signed: { reveal: { kind: 'ResultReveal', nonce: '12345678901234567890' } },
        leaseExpiresAt: null,
        updatedAt: 1_000,
        charge: null,
        paidAt: null,
      };
      await store.putRun(first);
      const audit = { ...first, provider: other, purpose: 'audit' as const, state: 'assigned' as const };
      await store.putRun({
        ...audit,
        resultCid: null,
        outcome: null,
        leaseExpiresAt: 5_000_000_000_000,
        updatedAt: 2_000,
      });
      await store.putRun({ ...audit, state: 'done', updatedAt: 3_000 });
      // Paid: what it earned (a bigint as a decimal string) and when, kept exactly.
      const paid = {
        ...audit,
        state: 'done' as const,
        updatedAt: 3_000,
        charge: '123456789012345678901',
        paidAt: 4_000,
      };
      await store.putRun(paid);
      expect(await store.runs(job.id)).toEqual([first, paid]);
      expect(await store.runs('0xnone')).toEqual([]);
    });

    it('gives the outcomes of finished jobs run by more than one provider, in one read', async () => {
      const other = privateKeyToAccount(generatePrivateKey()).address;
      const run = (jobId: string, by: `0x${string}`, outcome: string | null, updatedAt: number) => ({
        jobId,
        provider: by,
        purpose: 'first' as const,
        state: outcome === null ? ('assigned' as const) : ('done' as const),
        resultCid: outcome,
        outcome,
        signed: {},
        leaseExpiresAt: null,
        updatedAt,
        charge: null,
        paidAt: null,
      });
      const [replicated, single, unfinished, pending] = await Promise.all(
        [0, 1, 2, 3].map(() => store.create(newJob())),
      );
      for (const job of [replicated!, single!, pending!])
        await store.transition(job.id, 'accepted', {
          via: [{ state: 'matched' }, { state: 'assigned' }, { state: 'running' }, { state: 'committed' }],
        });
      await store.putRun(run(replicated!.id, other, 'bafkrei-b', 2_000));
      await store.putRun(run(replicated!.id, provider, 'bafkrei-a', 1_000));
      await store.putRun(run(single!.id, provider, 'bafkrei-a', 1_000));
      await store.putRun(run(unfinished!.id, provider, 'bafkrei-a', 1_000));
      await store.putRun(run(unfinished!.id, other, 'bafkrei-a', 1_000));
      await store.putRun(run(pending!.id, provider, 'bafkrei-a', 1_000));
      await store.putRun(run(pending!.id, other, null, 1_000));
      const compared = await store.comparedOutcomes(10_000);
      const mine = compared.filter((job) =>
        [replicated, single, unfinished, pending].some((j) => j!.id === job.jobId),
      );
      expect(mine).toEqual([
        {
          jobId: replicated!.id,
          runs: [
            { provider, outcome: 'bafkrei-a' },
            { provider: other, outcome: 'bafkrei-b' },
          ],
        },
      ]);
      // Only the latest finished jobs are read.
      expect(await store.comparedOutcomes(0)).toEqual([]);
    });
  });
}
