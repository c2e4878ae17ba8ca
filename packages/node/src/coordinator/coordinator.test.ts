import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cidOfBytes,
  type MessageInput,
  manifestBytes,
  manifestCid,
  parseWireJson,
  type ResultManifest,
  resultCommitment,
  signMessage,
  toWireJson,
} from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { randomNonce } from '@idlegrid/sdk';
import { type Hex, keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { offChainNetwork, testDomain } from '../api/testing.js';
import type { JobRecord } from '../jobs/api.js';
import { JOB_MESSAGES, JOBS_PROTOCOL, jobAssignSchema } from '../jobs/wire.js';
import { Libp2pMessageChannel } from '../p2p/libp2p-channel.js';
import { startTestHost, waitFor } from '../p2p/testing.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';
import { DEFAULT_VERIFICATION } from './job-intake.js';

const network = offChainNetwork;
const domain = testDomain;
const client = privateKeyToAccount(generatePrivateKey());
const nowS = () => BigInt(Math.floor(Date.now() / 1000));

let dataDir: string;
let coordinator: RunningCoordinator;
const cleanups: (() => Promise<void>)[] = [];

let coordinatorKey: Hex;
/** (Re)starts the coordinator on this test's data directory and key (and p2p port). */
const startTestCoordinator = (p2pPort = 0, verification = DEFAULT_VERIFICATION, tickMs = 50) =>
  startCoordinator({
    verification,
    dataDir,
    p2pListen: [`/ip4/127.0.0.1/tcp/${p2pPort}`],
    network,
    privateKey: coordinatorKey,
    leaseMs: 1_500,
    tickMs,
    // No chain in these tests: deposits are checked by the process-level tests.
    chainChecks: false,
    // Proof of hardware has tests of its own (integrity/hardware); here a challenge would only add load.
    hardwareChallenges: false,
  });
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-coord-'));
  coordinatorKey = generatePrivateKey();
  coordinator = await startTestCoordinator();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => {});
  await coordinator.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${coordinator.apiUrl}${path}`, init);
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, checked by each test
  return { status: response.status, body: parseWireJson(await response.text()) as Record<string, any> };
};
const post = (path: string, body: unknown) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toWireJson(body) });
const upload = async (bytes: Uint8Array) =>
  (
    await api('/v1/artifacts', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    })
  ).body.cid as string;

/**
 * A minimal provider on the real p2p stack: runs "jobs" by echoing their args. `vanish` drops
 * off the network once assigned; `hold` keeps its jobs until the test calls `report`; `liar`
 * answers "a lie"; for commit-reveal jobs, `no-reveal` never reveals and `switch` reveals
 * another answer than the one it committed to.
 * Results carry stdout and the manifest inline and upload stderr, like a real provider would
 * for small and large outputs.
 */
async function fakeProvider(
  price: bigint,
  behave: 'honest' | 'liar' | 'vanish' | 'hold' | 'busy-twice' | 'no-reveal' | 'switch' = 'honest',
  offerFields: Partial<MessageInput<'Offer'>> = {},
) {
  const privateKey = generatePrivateKey();
  const account = privateKeyToAccount(privateKey);
  const host = await startTestHost({ privateKey });
  const channel = new Libp2pMessageChannel({ name: JOBS_PROTOCOL }, { libp2p: host.libp2p });
  await channel.start();
  const vouchers: unknown[] = [];
  const held: Hex[] = [];
  const cancelled: string[] = [];
  const revealed: string[] = [];
  const timeline = { commit: [] as number[], reveal: [] as number[] };
  let assigned = 0;
  const coordinatorPeer = await host.dial(coordinator.p2pAddrs[0]!);
  /** A signed result answering `args` (echoed), its manifest and outputs inline. */
  const resultOf = async (jobId: Hex, args: string[], blobs?: Record<string, string>) => {
    const stdout = new TextEncoder().encode(args.join(' '));
    const manifest: ResultManifest = {
      jobId,
      exitCode: 0,
      stdoutCid: cidOfBytes(stdout),
      stderrCid: await upload(new Uint8Array()),
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 2_500,
    };
    const salt = keccak256(toHex(`salt-${Math.random()}`));
    const reveal = await signMessage(account, domain, 'ResultReveal', {
      provider: account.address,
      jobId,
      outputCid: manifestCid(manifest),
      salt,
      nonce: BigInt(Date.now()),
      expiry: nowS() + 60n,
    });
    const inline = blobs ?? {
      [manifest.stdoutCid]: Buffer.from(stdout).toString('base64'),
      [manifestCid(manifest)]: Buffer.from(manifestBytes(manifest)).toString('base64'),
    };
    const commitment = resultCommitment({
      jobId,
      provider: account.address,
      outputCid: manifestCid(manifest),
      salt,
    });
    return { body: { reveal, manifest, blobs: inline }, commitment };
  };
  const report = async (jobId: Hex, args: string[], blobs?: Record<string, string>) =>
    channel.request(coordinatorPeer, JOB_MESSAGES.result, (await resultOf(jobId, args, blobs)).body);
  /** Commit-reveal: commits to the answer now, reveals it when asked (or, misbehaving, does not). */
  const sealed = new Map<string, unknown>();
  const commit = async (jobId: Hex, args: string[]) => {
    const { body, commitment } = await resultOf(jobId, args);
    sealed.set(jobId, behave === 'switch' ? (await resultOf(jobId, ['something', 'else'])).body : body);
    const signed = await signMessage(account, domain, 'ResultCommit', {
      provider: account.address,
      jobId,
      commitment,
      nonce: BigInt(Date.now()),
      expiry: nowS() + 60n,
    });
    timeline.commit.push(performance.now());
    return channel.request(coordinatorPeer, JOB_MESSAGES.commit, { commit: signed });
  };
  channel.handle(JOB_MESSAGES.reveal, ({ body }) => {
    const { jobId } = body as { jobId: string };
    if (behave === 'no-reveal') throw new Error('withheld');
    revealed.push(jobId);
    timeline.reveal.push(performance.now());
    return sealed.get(jobId);
  });
  const assignments: ReturnType<typeof jobAssignSchema.parse>[] = [];
  channel.handle(JOB_MESSAGES.assign, ({ body }) => {
    assigned++;
    const parsed = jobAssignSchema.parse(body);
    assignments.push(parsed);
    const message = parsed.spec.message as { jobId: Hex; args: string[] };
    if (behave === 'busy-twice' && assigned <= 2) {
      return { accepted: false, reason: 'PROVIDER_BUSY: no room for 1 cores now' };
    }
    if (behave === 'vanish') {
      setTimeout(() => void channel.stop().then(() => host.stop()), 10);
    } else if (behave === 'hold') {
      held.push(message.jobId);
    } else {
      const answer = behave === 'liar' ? ['a', 'lie'] : message.args;
      // A fake provider that leaves (the test ended) may leave an answer unsent: no matter.
      if (parsed.commitReveal) setTimeout(() => void commit(message.jobId, answer).catch(() => {}), 5);
      else setTimeout(() => void report(message.jobId, answer).catch(() => {}), 5);
    }
    return { accepted: true };
  });
  channel.handle(JOB_MESSAGES.cancel, ({ body }) => {
    cancelled.push((body as { jobId: string }).jobId);
  });
  channel.handle(JOB_MESSAGES.payment, ({ body }) => {
    vouchers.push((body as { voucher: unknown }).voucher);
    return { accepted: true };
  });
  const sample = sampleMessages(account.address, nowS() + 600n).Offer;
  const offer = await signMessage(account, domain, 'Offer', {
    ...sample,
    pricePerCpuSecond: price,
    ...offerFields,
  });
  const sayHello = (activeJobs: string[] = []) =>
    channel.request(coordinatorPeer, JOB_MESSAGES.hello, { offer, agent: 'test', activeJobs });
  const hello = await sayHello();
  let alive: NodeJS.Timeout | undefined;
  /** Fake providers send no heartbeats: this refreshes the offer instead, to stay online in long tests. */
  const keepAlive = () => {
    alive = setInterval(
      () => void channel.send(coordinatorPeer, JOB_MESSAGES.offer, { offer }).catch(() => {}),
      300,
    );
  };
  let left = false;
  /** Stops this provider's host: its connection to the coordinator closes. */
  const leave = async () => {
    if (left) return;
    left = true;
    clearInterval(alive);
    await channel.stop();
    await host.stop();
  };
  cleanups.push(leave);
  /** Joins a restarted coordinator (same key, so the same peer id). */
  const redial = (addr: string) => host.dial(addr);
  let beats = 0n;
  /** A signed heartbeat saying how many jobs it runs now. */
  const beat = async (activeJobs: number) => {
    const heartbeat = await signMessage(account, domain, 'Heartbeat', {
      provider: account.address,
      sequence: ++beats,
      cpuLoadPermille: 100,
      memoryFreeMb: 1_024,
      activeJobs,
      nonce: BigInt(Date.now()) * 1_000n + beats,
      expiry: nowS() + 60n,
    });
    await channel.send(coordinatorPeer, JOB_MESSAGES.heartbeat, { heartbeat });
  };
  return {
    account,
    vouchers,
    hello,
    held,
    cancelled,
    revealed,
    timeline,
    report,
    sayHello,
    beat,
    redial,
    keepAlive,
    leave,
    assignments,
    assigned: () => assigned,
  };
}

async function submit(over: Record<string, unknown> = {}) {
  const sample = sampleMessages(client.address, nowS() + 600n).JobSpec;
  const jobId = keccak256(toHex(`job-${Math.random()}`));
  const spec = await signMessage(client, domain, 'JobSpec', {
    ...sample,
    jobId,
    nonce: randomNonce(),
    args: ['hello', 'grid'],
    deadline: nowS() + 120n,
    maxPrice: 10n ** 18n,
    ...over,
  });
  const { status, body } = await post('/v1/jobs', spec);
  expect(status).toBe(201);
  return body.job as JobRecord;
}

/** The stdout of an accepted job, through its stored manifest. */
async function stdoutOf(job: JobRecord): Promise<string> {
  const manifest = (await api(`/v1/artifacts/${job.resultCid}`)).body;
  return fetch(`${coordinator.apiUrl}/v1/artifacts/${manifest.stdoutCid}`).then((r) => r.text());
}

async function until(id: string, states: string[]): Promise<JobRecord> {
  let job: JobRecord | undefined;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    job = (await api(`/v1/jobs/${id}`)).body.job as JobRecord;
    if (states.includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${id} stayed ${job?.state}`);
}

describe('coordinator', () => {
  it('matches the cheapest provider, accepts its result, charges CPU-seconds and settles by voucher', async () => {
    const dear = await fakeProvider(900n);
    const cheap = await fakeProvider(400n);
    expect(cheap.hello).toMatchObject({ coordinator: coordinator.address, apiUrl: coordinator.apiUrl });
    const job = await submit();
    const accepted = await until(job.id, ['accepted']);
    expect(accepted.provider).toBe(cheap.account.address);
    expect(accepted.price).toBe('1000');
    expect(dear.assigned()).toBe(0);
    // Nothing stays reserved once the job is done; the provider's record grew.
    const { providers } = (await api('/v1/providers')).body;
    expect(providers.map((p: { activeJobs: number }) => p.activeJobs)).toEqual([0, 0]);
    const reputation = (address: string) =>
      providers.find((p: { address: string }) => p.address === address).reputation;
    expect(reputation(cheap.account.address)).toBeGreaterThan(reputation(dear.account.address));

    expect(await stdoutOf(accepted)).toBe('hello grid');
    // The decision explains itself: policy, what was compared, each term of the winner's score.
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    const { placement } = events.find((event: { to: string }) => event.to === 'matched').detail;
    expect(placement).toMatchObject({
      policy: 'learned',
      considered: 2,
      chosen: { provider: cheap.account.address },
    });
    expect(placement.runnersUp).toMatchObject([{ provider: dear.account.address }]);
    const { terms, score } = placement.chosen;
    expect(score).toBeCloseTo(terms.cost + terms.time + terms.risk + terms.load, 9);

    const voucherFor = (cumulativeAmount: bigint, nonce: bigint) =>
      signMessage(client, domain, 'Voucher', {
        client: client.address,
        provider: cheap.account.address,
        cumulativeAmount,
        nonce,
        expiry: nowS() + 3_600n,
      });
    const short = await post(`/v1/jobs/${job.id}/payment`, { voucher: await voucherFor(999n, 1n) });
    expect([short.status, short.body.error.code]).toEqual([402, 'PAYMENT_INSUFFICIENT']);
    const paid = await post(`/v1/jobs/${job.id}/payment`, { voucher: await voucherFor(1_000n, 1n) });
    expect(paid.body.job.state).toBe('settled');
    expect(cheap.vouchers).toHaveLength(1);
    expect((await api(`/v1/payments/${client.address}/${cheap.account.address}`)).body).toEqual({
      cumulativeAmount: '1000',
      nonce: '1',
    });
  });

  it('holds nothing in memory for a job whose run is over, paid or not', async () => {
    await fakeProvider(400n);
    // Default policy (pinned while they run), accepted and never paid
    const jobs = await Promise.all([submit({ verification: '' }), submit({ verification: '' }), submit()]);
    for (const job of jobs) await until(job.id, ['accepted']);
    const text = await fetch(`${coordinator.apiUrl}/metrics`).then((response) => response.text());
    const held = [...text.matchAll(/^idlegrid_jobs_held_in_memory\{held="(\w+)"\} (\d+)$/gm)];
    expect(held.map(([, what]) => what)).toEqual(expect.arrayContaining(['pinnedPolicy', 'excluded']));
    expect(Object.fromEntries(held.map(([, what, jobs]) => [what, Number(jobs)]))).toEqual(
      Object.fromEntries(held.map(([, what]) => [what, 0])),
    );
  });

  it('moves a job to another provider when its provider vanishes', async () => {
    const flaky = await fakeProvider(100n, 'vanish');
    const job = await submit();
    await waitFor(() => flaky.assigned() === 1, 5_000, 'first assignment');
    const steady = await fakeProvider(500n);
    const accepted = await until(job.id, ['accepted', 'failed']);
    expect(accepted).toMatchObject({ state: 'accepted', provider: steady.account.address, attempt: 2 });
    const events = (await api(`/v1/jobs/${job.id}/events`)).body.events as {
      to: string;
      detail: { code?: string };
    }[];
    expect(events.some((e) => e.to === 'submitted' && e.detail.code !== undefined)).toBe(true);
  });

  it("sends a small module inside a provider's first assignment of it, and only names it afterwards", async () => {
    const provider = await fakeProvider(100n);
    const module = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 7, 7, 7]);
    const moduleCid = await upload(module);
    const input = await upload(new TextEncoder().encode('an input'));
    for (let i = 0; i < 2; i++) {
      const job = await submit({ moduleCid, inputCids: [input] });
      await until(job.id, ['accepted']);
    }
    const [first, second] = provider.assignments;
    expect(Object.keys(first!.inputs ?? {}).sort()).toEqual([input, moduleCid].sort());
    expect(Buffer.from(first!.inputs![moduleCid]!, 'base64')).toEqual(Buffer.from(module));
    expect(Object.keys(second!.inputs ?? {})).toEqual([input]);
    // A provider that says hello again may have restarted: it gets the module again.
    await provider.sayHello([]);
    await until((await submit({ moduleCid, inputCids: [] })).id, ['accepted']);
    expect(Object.keys(provider.assignments[2]!.inputs ?? {})).toEqual([moduleCid]);
  });

  it('offers no job to a provider whose connection closed, without waiting for its heartbeats to lapse', async () => {
    const gone = await fakeProvider(50n);
    const steady = await fakeProvider(500n);
    await gone.leave();
    const online = async () => {
      const { providers } = (await api('/v1/providers')).body as {
        providers: { address: string; online: boolean }[];
      };
      return providers.find((p) => p.address === gone.account.address)?.online;
    };
    for (const started = Date.now(); (await online()) !== false; ) {
      if (Date.now() - started > 5_000)
        throw new Error('the coordinator still lists the stopped provider online');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const accepted = await until((await submit()).id, ['accepted', 'failed']);
    // The cheaper provider would have been tried first and failed: one attempt shows it was not.
    expect(accepted).toMatchObject({ state: 'accepted', provider: steady.account.address, attempt: 1 });
    expect(gone.assigned()).toBe(0);
  });

  it('refuses results whose inline content does not match its CID or is missing', async () => {
    const holder = await fakeProvider(100n, 'hold');
    const job = await submit();
    await until(job.id, ['running']);
    const jobId = holder.held[0]!;
    const wrong = new TextEncoder().encode('not the output');
    const forged = holder.report(jobId, ['hello', 'grid'], {
      [cidOfBytes(new TextEncoder().encode('hello grid'))]: Buffer.from(wrong).toString('base64'),
    });
    await expect(forged).rejects.toMatchObject({ code: 'RESULT_INVALID', message: /inline result blob/ });
    const missing = holder.report(jobId, ['hello', 'grid'], {});
    await expect(missing).rejects.toMatchObject({
      code: 'RESULT_INVALID',
      message: /neither sent nor uploaded/,
    });
    expect((await api(`/v1/jobs/${job.id}`)).body.job.state).toBe('running');
    await holder.report(jobId, ['hello', 'grid']);
    expect((await until(job.id, ['accepted'])).resultCid).not.toBeNull();
  });

  it('queues again a job its provider rejoins without, and keeps one it still holds', async () => {
    const holder = await fakeProvider(100n, 'hold');
    const job = await submit();
    await until(job.id, ['running']);
    // A hello that may have crossed the assignment (sent moments before it) changes nothing.
    await holder.sayHello([]);
    await holder.sayHello([job.id]);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the grace (lease / 5)
    await holder.sayHello([job.id]);
    expect((await api(`/v1/jobs/${job.id}`)).body.job.state).toBe('running');
    expect(holder.assigned()).toBe(1);
    // Rejoined without it (its assignment or result was lost): queued again at once, and
    // assigned to the same provider again (it is not excluded).
    await holder.sayHello([]);
    await waitFor(() => holder.assigned() === 2, 5_000, 'the job to be assigned again');
    const events = (await api(`/v1/jobs/${job.id}/events`)).body.events as {
      to: string;
      detail: { code?: string };
    }[];
    expect(events.filter((e) => e.to === 'submitted').map((e) => e.detail.code)).toContain(
      'PROVIDER_LOST_JOB',
    );
    await holder.report(holder.held[1]!, ['hello', 'grid']);
    expect(await until(job.id, ['accepted'])).toMatchObject({ provider: holder.account.address, attempt: 2 });
  });

  it('queues again a job whose live provider runs nothing once its lease lapsed, and keeps one it runs', async () => {
    const holder = await fakeProvider(100n, 'hold');
    const job = await submit();
    await until(job.id, ['running']);
    // Its heartbeats keep it online; past the lease (1.5 s) they say it runs the job: the job stays with it.
    let running = 1;
    const beating = setInterval(() => void holder.beat(running).catch(() => {}), 250);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_400));
      expect((await api(`/v1/jobs/${job.id}`)).body.job.state).toBe('running');
      expect(holder.assigned()).toBe(1);
      // It runs nothing (the assignment was lost on the way): the job is queued again, not held to its deadline.
      running = 0;
      await waitFor(() => holder.assigned() === 2, 5_000, 'the job to be assigned again');
    } finally {
      clearInterval(beating);
    }
    const events = (await api(`/v1/jobs/${job.id}/events`)).body.events as {
      to: string;
      detail: { code?: string };
    }[];
    expect(events.filter((e) => e.to === 'submitted').map((e) => e.detail.code)).toContain(
      'PROVIDER_LOST_JOB',
    );
  });

  it('retries a job its provider is too busy to take without spending its attempts', async () => {
    const busy = await fakeProvider(100n, 'busy-twice');
    const job = await submit();
    // maxAttempts is 3: two refusals and a run would exhaust it if refusals counted.
    expect(await until(job.id, ['accepted', 'failed'])).toMatchObject({ state: 'accepted', attempt: 1 });
    expect(busy.assigned()).toBe(3);
  });

  it('starts a queued job as soon as capacity frees, not at the next dispatch pass', async () => {
    // Passes a minute apart: only the freed capacity can start the second job within the test.
    await coordinator.stop();
    coordinator = await startTestCoordinator(0, DEFAULT_VERIFICATION, 60_000);
    const provider = await fakeProvider(100n, 'hold', { cpuCores: 1 });
    const first = await submit({ cpuCores: 1 });
    await until(first.id, ['running']);
    const second = await submit({ cpuCores: 1 });
    for (let tries = 0; (await api(`/v1/jobs/${second.id}`)).body.job.error?.code !== 'JOB_QUEUED'; tries++) {
      if (tries > 200) throw new Error('the second job was never found queued');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await api(`/v1/jobs/${second.id}`)).body.job.state).toBe('submitted');
    await provider.report(first.id as Hex, ['hello', 'grid']);
    expect(await until(second.id, ['running'])).toMatchObject({ provider: provider.account.address });
  });

  it('counts the jobs a provider still holds when it joins a restarted coordinator', async () => {
    const holder = await fakeProvider(100n, 'hold');
    const jobs = [await submit(), await submit()];
    for (const job of jobs) await until(job.id, ['running']);
    const p2pPort = Number(/\/tcp\/(\d+)/.exec(coordinator.p2pAddrs[0]!)![1]);
    await coordinator.stop();
    coordinator = await startTestCoordinator(p2pPort);
    await holder.redial(coordinator.p2pAddrs[0]!);
    // The first try may still find the stream to the stopped coordinator: a provider retries.
    const held = jobs.map((job) => job.id);
    await holder.sayHello(held).catch(() => holder.sayHello(held));
    const { providers } = (await api('/v1/providers')).body;
    expect(providers).toMatchObject([{ address: holder.account.address, activeJobs: 2 }]);
  });

  it("asks a private job's client for its lease keys again when its provider joins a restarted coordinator", async () => {
    /** The first `keys` event of the job's stream on the coordinator now running. */
    const keysEvent = async (jobId: string) => {
      const response = await fetch(`${coordinator.apiUrl}/v1/events?job=${jobId}`);
      const reader = response.body!.getReader();
      let text = '';
      try {
        while (!text.includes('event: keys')) text += new TextDecoder().decode((await reader.read()).value);
      } finally {
        await reader.cancel();
      }
      return JSON.parse(/event: keys\ndata: (.*)\n/.exec(text)![1]!) as {
        provider: string;
        providerKey: string;
      };
    };
    const holder = await fakeProvider(100n, 'hold');
    const job = await submit({ privacy: 'private', inputCids: [] });
    await until(job.id, ['running']);
    expect(await keysEvent(job.id)).toMatchObject({ provider: holder.account.address });
    const p2pPort = Number(/\/tcp\/(\d+)/.exec(coordinator.p2pAddrs[0]!)![1]);
    await coordinator.stop();
    coordinator = await startTestCoordinator(p2pPort);
    await holder.redial(coordinator.p2pAddrs[0]!);
    await holder.sayHello([job.id]).catch(() => holder.sayHello([job.id]));
    expect(await keysEvent(job.id)).toMatchObject({
      provider: holder.account.address,
      providerKey: expect.stringMatching(/^0x0[23][0-9a-f]{64}$/),
    });
  });

  it('audits a sampled job on a second provider and accepts it when both agree', async () => {
    const first = await fakeProvider(100n);
    const auditor = await fakeProvider(200n);
    const job = await submit({ verification: 'sample:1' });
    const accepted = await until(job.id, ['accepted']);
    expect(accepted.provider).toBe(first.account.address);
    expect([first.assigned(), auditor.assigned()]).toEqual([1, 1]);
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    expect(events.map((event: { to: string }) => event.to)).toContain('verifying');
    expect(events.at(-1).detail.verification).toMatchObject({ runs: 2, slashed: [] });
    const { providers } = (await api('/v1/providers')).body;
    expect(providers.map((p: { activeJobs: number }) => p.activeJobs)).toEqual([0, 0]);
    // The client pays both runs: the check is the work it asked for. 2.5 s at 100 and 200 per CPU-second.
    const { payees } = (await api(`/v1/jobs/${job.id}/payees`)).body;
    expect(payees).toEqual([
      { provider: first.account.address, amount: '250', paid: false },
      { provider: auditor.account.address, amount: '500', paid: false },
    ]);
    expect(accepted.price).toBe('750');
    const voucher = (provider: string, amount: bigint) =>
      signMessage(client, domain, 'Voucher', {
        client: client.address,
        provider: provider as Hex,
        cumulativeAmount: amount,
        nonce: 1n,
        expiry: nowS() + 3_600n,
      });
    const partial = await post(`/v1/jobs/${job.id}/payment`, {
      vouchers: [await voucher(first.account.address, 250n)],
    });
    expect([partial.status, partial.body.error.code]).toEqual([403, 'VOUCHER_WRONG_PROVIDER']);
    const paid = await post(`/v1/jobs/${job.id}/payment`, {
      vouchers: [await voucher(first.account.address, 250n), await voucher(auditor.account.address, 500n)],
    });
    expect(paid.body.job.state).toBe('settled');
    expect([first.vouchers.length, auditor.vouchers.length]).toEqual([1, 1]);
  });

  it('settles a sampled job whose first answer is a lie with more runs: the liar loses, the client gets the truth', async () => {
    const liar = await fakeProvider(50n, 'liar');
    const auditor = await fakeProvider(100n);
    const arbiters = [await fakeProvider(200n), await fakeProvider(300n)];
    // Fake providers send no heartbeats: a fresh hello keeps the first ones within the liveness window.
    await Promise.all([liar, auditor, ...arbiters].map((p) => p.sayHello()));
    const job = await submit({ verification: 'sample:1' });
    const accepted = await until(job.id, ['accepted']);
    // Three honest runs against the lie decide it: every provider ran the job once.
    expect([liar, auditor, ...arbiters].map((p) => p.assigned())).toEqual([1, 1, 1, 1]);
    // The majority's answer, from the provider who exposed the lie (who is also the one paid).
    expect(accepted.provider).toBe(auditor.account.address);
    expect(await stdoutOf(accepted)).toBe('hello grid');
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    const { verification } = events.at(-1).detail;
    expect(verification).toMatchObject({ runs: 4, slashed: [{ provider: liar.account.address }] });
    // The evidence is stored: the accused, every signed answer, the verdict.
    const evidence = (await api(`/v1/artifacts/${verification.slashed[0].evidenceCid}`)).body;
    expect(evidence).toMatchObject({
      accused: liar.account.address,
      verdict: { dissenting: [liar.account.address] },
    });
    expect(evidence.runs).toHaveLength(4);
    const { providers } = (await api('/v1/providers')).body;
    const reputation = (address: string) =>
      providers.find((p: { address: string }) => p.address === address).reputation;
    expect(reputation(liar.account.address)).toBeLessThan(0.5);
    expect(reputation(auditor.account.address)).toBeGreaterThan(0.5);
    // Caught, the liar gets no new work for an hour, though it is the cheapest.
    const suspended = providers.find((p: { address: string }) => p.address === liar.account.address);
    expect(suspended.suspendedUntil).toBeGreaterThan(Date.now() + 3_500_000);
    await Promise.all([liar, auditor, ...arbiters].map((p) => p.sayHello()));
    const next = await until((await submit()).id, ['accepted']);
    expect(next.provider).not.toBe(liar.account.address);
  });

  it('replicates a job with commit-reveal: every run commits before any answer is revealed, and agreement accepts it', async () => {
    const providers = [await fakeProvider(100n), await fakeProvider(200n), await fakeProvider(300n)];
    const job = await submit({ verification: 'replicate:3' });
    const accepted = await until(job.id, ['accepted']);
    expect(providers.map((p) => p.assigned())).toEqual([1, 1, 1]);
    expect(providers.map((p) => p.revealed)).toEqual([[job.id], [job.id], [job.id]]);
    // No reveal was asked for before every run had committed.
    const lastCommit = Math.max(...providers.map((p) => p.timeline.commit[0]!));
    expect(Math.min(...providers.map((p) => p.timeline.reveal[0]!))).toBeGreaterThanOrEqual(lastCommit);
    expect(accepted.provider).toBe(providers[0]!.account.address);
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    expect(events.at(-1).detail.verification).toMatchObject({ policy: 'replicate:3', runs: 3, slashed: [] });
    const { providers: listed } = (await api('/v1/providers')).body;
    expect(listed.map((p: { activeJobs: number }) => p.activeJobs)).toEqual([0, 0, 0]);
  });

  it('refuses a result sent without a commitment for a replicated job', async () => {
    const holder = await fakeProvider(100n, 'hold');
    await fakeProvider(200n, 'hold');
    const job = await submit({ verification: 'replicate:2' });
    await until(job.id, ['running']);
    await expect(holder.report(job.id as Hex, ['hello', 'grid'])).rejects.toThrow(/commitment first/);
    expect((await api(`/v1/jobs/${job.id}`)).body.job.state).toBe('running');
  });

  it('replicate(3) never accepts the answer of a colluding pair: more runs outvote it and both are punished', async () => {
    const pair = [await fakeProvider(50n, 'liar'), await fakeProvider(60n, 'liar')];
    const honest = [await fakeProvider(100n), await fakeProvider(200n), await fakeProvider(300n)];
    for (const provider of [...pair, ...honest]) provider.keepAlive();
    const job = await submit({ verification: 'replicate:3' });
    const accepted = await until(job.id, ['accepted']);
    expect([...pair, ...honest].map((p) => p.assigned())).toEqual([1, 1, 1, 1, 1]);
    expect(await stdoutOf(accepted)).toBe('hello grid');
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    const { verification } = events.at(-1).detail;
    expect(verification.runs).toBe(5);
    expect(verification.slashed.map((s: { provider: string }) => s.provider).sort()).toEqual(
      pair.map((p) => p.account.address).sort(),
    );
    expect(verification.slashed.every((s: { reason: string }) => s.reason === 'wrong-answer')).toBe(true);
  });

  it('punishes a replica that withholds its reveal and one that reveals another answer than it committed to', async () => {
    const silent = await fakeProvider(50n, 'no-reveal');
    const switcher = await fakeProvider(60n, 'switch');
    const honest = [await fakeProvider(100n), await fakeProvider(200n), await fakeProvider(300n)];
    for (const provider of [silent, switcher, ...honest]) provider.keepAlive();
    const job = await submit({ verification: 'replicate:3' });
    const accepted = await until(job.id, ['accepted']);
    expect(honest.map((p) => p.assigned())).toEqual([1, 1, 1]);
    expect(accepted.provider).not.toBe(silent.account.address);
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    const { verification } = events.at(-1).detail;
    // Three agreeing answers: the two that broke their commitments were replaced, not counted.
    expect(verification.runs).toBe(3);
    const reasons = Object.fromEntries(
      verification.slashed.map((s: { provider: string; reason: string }) => [s.provider, s.reason]),
    );
    expect(reasons).toEqual({
      [silent.account.address]: 'reveal-withheld',
      [switcher.account.address]: 'reveal-mismatch',
    });
    // The mismatch is provable from the evidence alone: a signed commitment and a signed reveal that differ.
    const mismatch = verification.slashed.find((s: { reason: string }) => s.reason === 'reveal-mismatch');
    const evidence = (await api(`/v1/artifacts/${mismatch.evidenceCid}`)).body;
    expect(evidence.runs[0]).toMatchObject({
      provider: switcher.account.address,
      commit: { kind: 'ResultCommit' },
      reveal: { kind: 'ResultReveal' },
    });
  });

  it('gives the replica of a provider that rejoins without it to another provider', async () => {
    const first = await fakeProvider(100n);
    const forgetful = await fakeProvider(200n, 'hold');
    const spare = await fakeProvider(300n);
    for (const provider of [first, forgetful, spare]) provider.keepAlive();
    const job = await submit({ verification: 'replicate:2' });
    await waitFor(() => forgetful.held.includes(job.id as Hex), 5_000, 'the replica to be assigned');
    expect(spare.assigned()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Restarted: it holds nothing now, so its run goes elsewhere instead of waiting out its lease.
    await forgetful.sayHello([]);
    const accepted = await until(job.id, ['accepted']);
    expect(spare.assigned()).toBe(1);
    const { events } = (await api(`/v1/jobs/${job.id}/events`)).body;
    expect(events.at(-1).detail.verification).toMatchObject({ runs: 2, slashed: [] });
    expect(accepted.provider).toBe(first.account.address);
  });

  it("frees a cancelled job's provider at once and tells it to stop", async () => {
    const holder = await fakeProvider(100n, 'hold');
    const job = await submit();
    await until(job.id, ['running']);
    expect((await api('/v1/providers')).body.providers).toMatchObject([{ activeJobs: 1 }]);
    const cancel = await signMessage(client, domain, 'JobCancel', {
      client: client.address,
      jobId: job.id as Hex,
      nonce: 1n,
      expiry: nowS() + 60n,
    });
    expect((await post(`/v1/jobs/${job.id}/cancel`, cancel)).body.job.state).toBe('cancelled');
    await waitFor(() => holder.cancelled.includes(job.id), 5_000, 'the provider to be told');
    expect((await api('/v1/providers')).body.providers).toMatchObject([{ activeJobs: 0 }]);
  });

  it('refuses a malformed verification policy, and one it cannot carry out, instead of running the job unchecked', async () => {
    await coordinator.stop();
    coordinator = await startTestCoordinator(0, { ...DEFAULT_VERIFICATION, supported: ['none', 'sample'] });
    const sample = sampleMessages(client.address, nowS() + 600n).JobSpec;
    const post_ = async (verification: string) => {
      const jobId = keccak256(toHex(`job-${Math.random()}`));
      const spec = await signMessage(client, domain, 'JobSpec', {
        ...sample,
        jobId,
        nonce: randomNonce(),
        verification,
      });
      const { status, body } = await post('/v1/jobs', spec);
      return [status, body.error?.code ?? body.job.state];
    };
    expect(await post_('sample:2')).toEqual([400, 'INVALID_ARGUMENT']);
    expect(await post_('canary')).toEqual([422, 'VERIFICATION_UNSUPPORTED']);
    expect(await post_('replicate(3)')).toEqual([422, 'VERIFICATION_UNSUPPORTED']);
    expect(await post_('sample:0.5')).toEqual([201, 'submitted']);
    expect(await post_('')).toEqual([201, 'submitted']);
  });

  it.each([
    ['runtime', { runtime: 'onnx' }],
    ['gpu', { gpuClass: 'any' }],
    ['cores', { cpuCores: 64 }],
    ['region', { region: 'mars' }],
    ['size', { maxSeconds: 100_000 }],
    ['reputation', { minReputation: 900 }],
  ])('tells the client at once why no offer fits (%s)', async (reason, over) => {
    await fakeProvider(100n, 'honest', { maxJobSeconds: 3_600 });
    const job = await submit(over);
    const deadline = Date.now() + 5_000;
    let current = job;
    while (!current.error && Date.now() < deadline) {
      current = (await api(`/v1/jobs/${job.id}`)).body.job as JobRecord;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(current.state).toBe('submitted');
    expect(current.error).toEqual({ code: 'JOB_UNMATCHED', message: `no offer fits (${reason}: 1)` });
    const stats = (await api('/v1/stats')).body;
    expect(stats.providers).toEqual({ known: 1, online: 1 });
  });
});
