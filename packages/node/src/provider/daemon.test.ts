import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  IdlegridError,
  manifestCid,
  networkDomain,
  type SignedMessage,
  signMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { NetworkConfig } from '@idlegrid/sdk';
import { bytesToHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INLINE_RESULT_BYTES,
  JOB_MESSAGES,
  JOBS_PROTOCOL,
  type JobResult,
  jobResultSchema,
} from '../jobs/wire.js';
import { countPrimes } from '../localnet/example-references.js';
import { Libp2pMessageChannel } from '../p2p/libp2p-channel.js';
import { startTestHost, waitFor } from '../p2p/testing.js';
import { writeSuccessorModel } from '../runtimes/llm/testing/successor-model.js';
import { writeRepeatedly } from '../runtimes/wasm/test-modules.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import type { ProviderDaemon } from './api.js';
import { startProvider } from './daemon.js';
import { ModelRegistry } from './model-registry.js';
import { startArtifactServer, type TestArtifactServer } from './testing.js';

const examples = new URL('../../examples/wasm/build/', import.meta.url);
const coordinatorKey = generatePrivateKey();
const coordinator = privateKeyToAccount(coordinatorKey);
const client = privateKeyToAccount(generatePrivateKey());
const network: NetworkConfig = {
  rpcUrl: 'http://127.0.0.1:9',
  chainId: 31_337,
  token: privateKeyToAccount(generatePrivateKey()).address,
  staking: privateKeyToAccount(generatePrivateKey()).address,
  coordinatorRegistry: privateKeyToAccount(generatePrivateKey()).address,
  paymentChannels: privateKeyToAccount(generatePrivateKey()).address,
  governor: privateKeyToAccount(generatePrivateKey()).address,
  timelock: privateKeyToAccount(generatePrivateKey()).address,
  deployBlock: '0',
  embedded: true,
};
const domain = networkDomain(network.chainId, network.paymentChannels);
const seconds = (offset: number) => BigInt(Math.floor(Date.now() / 1000) + offset);

let dataDir: string;
let origin: ArtifactStore;
let server: TestArtifactServer;
let host: Awaited<ReturnType<typeof startTestHost>>;
let channel: Libp2pMessageChannel;
let provider: ProviderDaemon;
let providerPeer = '';
const offers: { from: string; offer: unknown }[] = [];
const heartbeats: unknown[] = [];
const results: JobResult[] = [];
/** Answers of the fake coordinator to the next `job.result` messages, before it takes them. */
const resultRefusals: IdlegridError[] = [];
let primesCid: string;
let hashChainCid: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-provider-'));
  origin = new ArtifactStore(join(dataDir, 'coordinator-artifacts'), 2 ** 26);
  primesCid = (await origin.put(await readFile(new URL('primes.wasm', examples)))).cid;
  hashChainCid = (await origin.put(await readFile(new URL('hash-chain.wasm', examples)))).cid;
  server = await startArtifactServer(origin);
  // A fake coordinator made of the real p2p pieces.
  host = await startTestHost({ privateKey: coordinatorKey });
  channel = new Libp2pMessageChannel({ name: JOBS_PROTOCOL, timeoutMs: 10_000 }, { libp2p: host.libp2p });
  await channel.start();
  channel.handle(JOB_MESSAGES.hello, ({ body, from }) => {
    providerPeer = from.id;
    offers.push({ from: from.address, offer: (body as { offer: unknown }).offer });
    return {
      coordinator: coordinator.address,
      apiUrl: server.url,
      chainId: network.chainId,
      paymentChannels: network.paymentChannels,
    };
  });
  channel.handle(JOB_MESSAGES.offer, ({ body, from }) => {
    offers.push({ from: from.address, offer: (body as { offer: unknown }).offer });
  });
  channel.handle(
    JOB_MESSAGES.heartbeat,
    ({ body }) => void heartbeats.push((body as { heartbeat: unknown }).heartbeat),
  );
  channel.handle(JOB_MESSAGES.result, async ({ body }) => {
    const refusal = resultRefusals.shift();
    if (refusal) throw refusal;
    const result = jobResultSchema.parse(body);
    // Like the coordinator: inline blobs are stored under their CID (checked by the store).
    for (const [cid, base64] of Object.entries(result.blobs ?? {}))
      await origin.put(Buffer.from(base64, 'base64'), cid);
    results.push(result);
    return { accepted: true };
  });
  provider = await startProvider({
    dataDir,
    coordinator: host.multiaddrs()[0]!,
    network,
    // The fake coordinator above is on no chain's registry.
    chainChecks: false,
    heartbeatIntervalMs: 100,
    offerTtlSeconds: 1,
    hardware: { cpuCores: 2, memoryMb: 2048 },
    region: 'eu-west',
  });
});

afterAll(async () => {
  await provider?.stop();
  await channel?.stop();
  await host?.stop();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function newJobId(): Hex {
  return bytesToHex(randomBytes(32));
}

async function assign(
  jobId: Hex,
  spec: { moduleCid: string; args: string[]; memoryMb?: number },
  overrides: { signer?: typeof coordinator; coordinatorField?: Hex; provider?: Hex } = {},
) {
  const signedSpec = await signMessage(client, domain, 'JobSpec', {
    client: client.address,
    jobId,
    runtime: 'wasm',
    moduleCid: spec.moduleCid,
    inputCids: [],
    args: spec.args,
    cpuCores: 1,
    memoryMb: spec.memoryMb ?? 64,
    vramMb: 0,
    gpuClass: '',
    maxPrice: 10n ** 18n,
    deadline: seconds(60),
    region: '',
    maxRttMs: 0,
    maxSeconds: 0,
    minReputation: 0,
    verification: 'none',
    privacy: 'public',
    nonce: 1n,
    expiry: seconds(600),
  });
  const signer = overrides.signer ?? coordinator;
  const assignment = await signMessage(signer, domain, 'Assignment', {
    coordinator: overrides.coordinatorField ?? signer.address,
    jobId,
    provider: overrides.provider ?? provider.address,
    price: 10n ** 15n,
    leaseExpiry: seconds(30),
    nonce: BigInt(Date.now()),
    expiry: seconds(600),
  });
  return (await channel.request(providerPeer, JOB_MESSAGES.assign, { assignment, spec: signedSpec })) as {
    accepted: boolean;
    reason?: string;
  };
}

async function resultOf(jobId: Hex): Promise<JobResult> {
  await waitFor(
    () => results.some((result) => result.manifest.jobId === jobId),
    20_000,
    `result of ${jobId}`,
  );
  return results.find((result) => result.manifest.jobId === jobId)!;
}

const text = async (cid: string) => new TextDecoder().decode(await origin.bytes(cid));

describe('provider daemon', () => {
  it('says hello with a signed offer, then keeps heartbeats and offers coming', async () => {
    const first = await verifySignedMessage(domain, offers[0]!.offer, { kind: 'Offer' });
    expect(first.signer).toBe(provider.address);
    expect(first.message).toMatchObject({
      region: 'eu-west',
      // No GGUF registered, so no llm; the other model runtimes are installed with the node.
      runtimes: ['wasm', 'onnx', 'tfjs', 'fasttext'],
      cpuCores: 2,
      memoryMb: 2048,
    });
    // The built-in models are listed by name and CID.
    expect(first.message.models.map((entry) => entry.split('@')[0])).toEqual([
      'onnx:pp-ocrv4',
      'fasttext:lid.176',
    ]);
    expect(first.message.pricePerCpuSecond).toBeGreaterThan(0n);
    await waitFor(
      () => heartbeats.length >= 3 && offers.length >= 2,
      5_000,
      'heartbeats and a refreshed offer',
    );
    const beat = await verifySignedMessage(domain, heartbeats.at(-1), { kind: 'Heartbeat' });
    expect(beat.signer).toBe(provider.address);
    expect(beat.message.sequence).toBeGreaterThan(1n);
    expect(provider.peerId).toBe(providerPeer);
  });

  it('runs an assigned wasm job and reports a signed, uploaded result', async () => {
    const jobId = newJobId();
    const n = 200_000;
    expect(await assign(jobId, { moduleCid: primesCid, args: [String(n)] })).toEqual({ accepted: true });
    const { reveal, manifest } = await resultOf(jobId);
    const verified = await verifySignedMessage(domain, reveal, { kind: 'ResultReveal' });
    expect(verified.signer).toBe(provider.address);
    expect(verified.message.outputCid).toBe(manifestCid(manifest));
    expect(await text(verified.message.outputCid)).toBe(canonicalJson(manifest));
    expect(manifest.exitCode).toBe(0);
    expect(await text(manifest.stdoutCid)).toBe(`${countPrimes(n)}\n`);
    await waitFor(() => provider.stats().jobsRun === 1 && provider.stats().activeJobs === 0);
  });

  it('sends small outputs inline and uploads large ones before the result', async () => {
    const small = newJobId();
    expect((await assign(small, { moduleCid: primesCid, args: ['100'] })).accepted).toBe(true);
    const inline = await resultOf(small);
    expect(Object.keys(inline.blobs ?? {}).sort()).toEqual(
      [manifestCid(inline.manifest), inline.manifest.stdoutCid, inline.manifest.stderrCid].sort(),
    );

    const line = 'x'.repeat(1023);
    const times = Math.ceil(INLINE_RESULT_BYTES / 1024) + 8;
    const bigCid = (await origin.put(writeRepeatedly(`${line}\n`, times))).cid;
    const big = newJobId();
    expect((await assign(big, { moduleCid: bigCid, args: [] })).accepted).toBe(true);
    const uploaded = await resultOf(big);
    expect(uploaded.blobs ?? {}).toEqual({});
    expect(uploaded.manifest.exitCode).toBe(0);
    expect(await text(uploaded.manifest.stdoutCid)).toBe(`${line}\n`.repeat(times));
  });

  it('keeps a result the coordinator could not take and delivers it once; drops one it refuses', async () => {
    const failedBefore = provider.stats().jobsFailed;
    // The coordinator fails twice on its side (a restart, a database hiccup): delivered later.
    resultRefusals.push(
      new IdlegridError('INTERNAL', 'restarting'),
      new IdlegridError('INTERNAL', 'restarting'),
    );
    const kept = newJobId();
    expect((await assign(kept, { moduleCid: primesCid, args: ['1000'] })).accepted).toBe(true);
    expect((await resultOf(kept)).manifest.exitCode).toBe(0);
    expect(resultRefusals).toHaveLength(0);
    // A definite refusal (the job went to another provider meanwhile) is not retried.
    resultRefusals.push(new IdlegridError('RESULT_INVALID', 'not your job any more'));
    const refused = newJobId();
    expect((await assign(refused, { moduleCid: primesCid, args: ['1000'] })).accepted).toBe(true);
    await waitFor(() => provider.stats().jobsFailed === failedBefore + 1, 10_000, 'the result to be dropped');
    await new Promise((resolve) => setTimeout(resolve, 500)); // several ticks: no retry comes
    expect(results.filter((result) => result.manifest.jobId === kept)).toHaveLength(1);
    expect(results.some((result) => result.manifest.jobId === refused)).toBe(false);
  });

  it('reports a job whose module cannot be fetched as a failed run', async () => {
    const jobId = newJobId();
    const missing = (await new ArtifactStore(join(dataDir, 'elsewhere')).put(new Uint8Array([1, 2, 3]))).cid;
    expect((await assign(jobId, { moduleCid: missing, args: [] })).accepted).toBe(true);
    const { manifest } = await resultOf(jobId);
    expect(manifest.exitCode).toBe(-1);
    expect(await text(manifest.stderrCid)).toContain('ARTIFACT_NOT_FOUND');
  });

  it('refuses tampered assignments', async () => {
    const mallory = privateKeyToAccount(generatePrivateKey());
    const job = { moduleCid: primesCid, args: ['10'] };
    // Signed by someone else in the coordinator's name.
    const forged = await assign(newJobId(), job, { signer: mallory, coordinatorField: coordinator.address });
    expect(forged.accepted).toBe(false);
    expect(forged.reason).toMatch(/^SIGNER_MISMATCH/);
    // Validly signed, but by another coordinator than the one we joined.
    const foreign = await assign(newJobId(), job, { signer: mallory });
    expect(foreign).toMatchObject({ accepted: false, reason: expect.stringMatching(/^ASSIGNMENT_INVALID/) });
    // For another provider.
    const misrouted = await assign(newJobId(), job, { provider: mallory.address });
    expect(misrouted).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/^ASSIGNMENT_INVALID/),
    });
  });

  it('aborts a running job on job.cancel and reports nothing for it', async () => {
    const jobId = newJobId();
    const before = provider.stats().jobsCancelled;
    expect(await assign(jobId, { moduleCid: hashChainCid, args: ['1000000000', 'spin'] })).toEqual({
      accepted: true,
    });
    await waitFor(() => provider.stats().activeJobs === 1, 5_000, 'the job to start');
    const cancelledAt = Date.now();
    await channel.send(providerPeer, JOB_MESSAGES.cancel, { jobId });
    await waitFor(() => provider.stats().jobsCancelled === before + 1, 5_000, 'the job to be cancelled');
    expect(provider.stats().activeJobs).toBe(0);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect(results.some((result) => result.manifest.jobId === jobId)).toBe(false);
  });

  it('keeps valid vouchers from job.payment and refuses invalid ones with the wallet code', async () => {
    const voucher = (
      signer: typeof client,
      cumulativeAmount: bigint,
      nonce: bigint,
    ): Promise<SignedMessage<'Voucher'>> =>
      signMessage(signer, domain, 'Voucher', {
        client: client.address,
        provider: provider.address,
        cumulativeAmount,
        nonce,
        expiry: seconds(3_600),
      });
    expect(
      await channel.request(providerPeer, JOB_MESSAGES.payment, { voucher: await voucher(client, 5n, 1n) }),
    ).toEqual({
      accepted: true,
    });
    const forged = channel.request(providerPeer, JOB_MESSAGES.payment, {
      voucher: await voucher(privateKeyToAccount(generatePrivateKey()), 50n, 2n),
    });
    await expect(forged).rejects.toMatchObject({ code: 'VOUCHER_SIGNATURE_INVALID' });
    const stale = channel.request(providerPeer, JOB_MESSAGES.payment, {
      voucher: await voucher(client, 4n, 1n),
    });
    await expect(stale).rejects.toMatchObject({ code: 'VOUCHER_STALE' });
    expect(provider.stats().earnings).toEqual({ clients: 1, earned: 5n, redeemed: 0n, unredeemed: 5n });
  });

  it('refuses jobs outside its availability window', async () => {
    const outside = new Date();
    const minute = outside.getHours() * 60 + outside.getMinutes();
    // A one-hour window that starts two hours from now.
    const start = (minute + 120) % 1440;
    const other = await startProvider({
      dataDir: join(dataDir, 'night-owl'),
      coordinator: host.multiaddrs()[0]!,
      network,
      chainChecks: false,
      heartbeatIntervalMs: 100,
      availability: { kind: 'window', startMinute: start, endMinute: (start + 60) % 1440 },
    });
    try {
      const offersFrom = () => offers.filter((entry) => entry.from === other.address).length;
      await waitFor(() => providerPeer === other.peerId, 5_000, 'the second provider to say hello');
      expect(other.stats().available).toBe(false);
      const refused = await assign(
        newJobId(),
        { moduleCid: primesCid, args: ['10'] },
        { provider: other.address },
      );
      expect(refused).toMatchObject({
        accepted: false,
        reason: expect.stringMatching(/^PROVIDER_UNAVAILABLE/),
      });
      // Heartbeats go on, offer refreshes do not.
      const beats = heartbeats.length;
      await waitFor(() => heartbeats.length >= beats + 3, 5_000, 'more heartbeats');
      expect(offersFrom()).toBe(1);
    } finally {
      await other.stop();
    }
  });
  it('offers a model registered while it runs, with the llm runtime it needs', async () => {
    const offersBefore = offers.length;
    await writeSuccessorModel(join(dataDir, 'successor.gguf'));
    // Another process (`idlegrid model add`) writes the data directory's model list.
    const added = await (await ModelRegistry.open(dataDir)).add(join(dataDir, 'successor.gguf'), 'successor');
    const listing = `llm:successor@${added.cid}`;
    const fresh = () => offers.slice(offersBefore).filter((entry) => entry.from === provider.address);
    const lists = (entry: { offer: unknown }) =>
      (entry.offer as { message: { models: string[] } }).message.models.includes(listing);
    await waitFor(() => fresh().some(lists), 10_000, 'an offer listing the new model');
    const offer = await verifySignedMessage(domain, fresh().find(lists)!.offer, { kind: 'Offer' });
    expect(offer.message.models).toContain(listing);
    expect(offer.message.runtimes).toContain('llm');
  });
});
