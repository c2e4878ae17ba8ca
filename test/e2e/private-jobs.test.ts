import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { filesHolding } from '@idlegrid/node/testing';
import { isIdlegridError, localAccount, signMessage } from '@idlegrid/protocol';
import { isEnvelope } from '@idlegrid/protocol/privacy';
import {
  CoordinatorClient,
  downloadArtifact,
  loadPrivateKey,
  submitWasmJob,
  waitForJob,
} from '@idlegrid/sdk';
import { artifactKeyOf, type OwnerContext, readArtifact, runPrivateJob } from '@idlegrid/sdk/privacy';
import type { Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { jobEvents, startNet, type TestNet } from './localnet-harness.js';

const ONE_GRID = 10n ** 18n;
const hashChain = () =>
  readFile(
    fileURLToPath(new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url)),
  );

/** What hash-chain K prints for `input`: K rounds of sha-256, as hex. */
function expectedChain(input: Uint8Array, rounds: number): string {
  let h = Buffer.from(input);
  for (let i = 0; i < rounds; i++) h = createHash('sha256').update(h).digest();
  return h.toString('hex');
}

interface Verification {
  runs: number;
  slashed: { provider: string; reason: string }[];
}

/** A network whose cheapest provider, provider-2, returns wrong answers: it meets most jobs first or as their auditor. */
async function startLyingNet() {
  const net = await startNet(4, ['--adversary', 'provider-2=wrong']);
  const ownerKey = await loadPrivateKey(net.dataDir, 'client');
  const owner: OwnerContext = {
    coordinator: net.ctx.coordinator,
    signer: localAccount(ownerKey),
    domain: net.ctx.domain,
  };
  return { net, owner, ownerKey, liar: net.providers.find((p) => p.name === 'provider-2')!.address };
}

type LyingNet = Awaited<ReturnType<typeof startLyingNet>>;

/**
 * Runs hash-chain 200 privately on a fresh marker; checks the plaintext result; returns the job,
 * what verification found, and the plaintexts (input and output) no file may hold.
 */
async function runPrivately({ net, owner, ownerKey }: LyingNet, verification: string) {
  const marker = `private-input-${crypto.randomUUID()}`;
  const input = new TextEncoder().encode(marker);
  const output = expectedChain(input, 200);
  const { job, result } = await runPrivateJob(
    owner,
    {
      module: await hashChain(),
      args: ['200'],
      stdin: input,
      maxPrice: ONE_GRID,
      deadlineSeconds: 180,
      memoryMb: 16,
      cpuCores: 1,
      verification,
    },
    ownerKey,
    { timeoutMs: 180_000 },
  );
  expect(job.state, `${job.id}: ${JSON.stringify(job.error)}`).toBe('accepted');
  expect(new TextDecoder().decode(result!.stdout).trim()).toBe(output);
  const accepted = (await jobEvents(net.coordinatorUrl, job.id)).at(-1)!;
  return {
    job,
    verification: (accepted.detail as { verification?: Verification }).verification,
    plaintexts: [marker, output],
  };
}

/** No file of the network (database, artifact stores, provider caches, logs) holds any of `plaintexts`. */
async function expectNowhere(net: TestNet, plaintexts: readonly string[]) {
  expect(await filesHolding(net.dataDir, plaintexts)).toEqual([]);
}

describe('private jobs on a local network of processes', () => {
  it.each(['sample:1', 'replicate:3'])(
    '%s catches the wrong provider on salted commitments; the client gets the right plaintext, no file holds it',
    async (policy) => {
      const lying = await startLyingNet();
      try {
        const results = await Promise.all([1, 2].map(() => runPrivately(lying, policy)));
        const found = JSON.stringify(results.map((r) => r.verification));
        for (const { job, verification } of results) {
          expect(job.provider).not.toBe(lying.liar);
          expect(verification?.runs, found).toBeGreaterThanOrEqual(2);
        }
        // provider-2 is the cheapest: it met at least one of the jobs, and only it was slashed.
        const slashed = results.flatMap((r) => r.verification?.slashed ?? []);
        expect(slashed.length, found).toBeGreaterThanOrEqual(1);
        for (const slash of slashed)
          expect(slash).toMatchObject({ provider: lying.liar, reason: 'wrong-answer' });
        await expectNowhere(
          lying.net,
          results.flatMap((r) => r.plaintexts),
        );
        // The search itself finds a plain job's input and output where they are kept.
        const control = `plain-input-${crypto.randomUUID()}`;
        const plain = await submitWasmJob(lying.net.ctx, {
          module: await hashChain(),
          args: ['1'],
          stdin: new TextEncoder().encode(control),
          maxPrice: ONE_GRID,
          deadlineSeconds: 60,
          memoryMb: 16,
          cpuCores: 1,
          verification: 'none',
        });
        await waitForJob(lying.net.ctx, plain.id, { timeoutMs: 60_000 });
        const holding = await filesHolding(lying.net.dataDir, [control]);
        expect(holding.map((f) => f.file).join(' ')).toContain('coordinator.db');
      } finally {
        await lying.net.stop();
      }
    },
    240_000,
  );

  it('canary:1 sends private canaries, indistinguishable from the job: the liar fails one and is slashed', async () => {
    const lying = await startLyingNet();
    try {
      const results = await Promise.all([1, 2, 3].map(() => runPrivately(lying, 'canary:1')));
      const found = JSON.stringify(results.map((r) => r.verification));
      let caught = 0;
      for (const { job, verification } of results) {
        const canary = (verification as { canary?: { state: string } } | undefined)?.canary;
        expect(job.provider, found).not.toBe(lying.liar);
        for (const slash of verification?.slashed ?? []) expect(slash.provider, found).toBe(lying.liar);
        if (canary?.state === 'failed') {
          caught++;
          expect(
            verification?.slashed.map((s) => s.reason),
            found,
          ).toContain('canary-failed');
        } else expect(canary?.state, found).toBe('passed');
      }
      // provider-2 is the cheapest: it ran at least one of the jobs first and met its canary.
      expect(caught, found).toBeGreaterThanOrEqual(1);
      await expectNowhere(
        lying.net,
        results.flatMap((r) => r.plaintexts),
      );
    } finally {
      await lying.net.stop();
    }
  }, 240_000);

  it("another client can neither read the input's key nor use it in a job", async () => {
    const lying = await startLyingNet();
    try {
      const { job } = await runPrivately(lying, 'sample:1');
      const spec = job.spec as { message: { inputCids: string[]; privacy: string } };
      expect(spec.message.privacy).toBe('private');
      const cid = spec.message.inputCids[0]!;
      const strangerKey = generatePrivateKey();
      const stranger: OwnerContext = {
        coordinator: new CoordinatorClient({ url: lying.net.coordinatorUrl }),
        signer: localAccount(strangerKey),
        domain: lying.net.ctx.domain,
      };
      const codeOf = (promise: Promise<unknown>) =>
        promise.then(
          () => 'no error',
          (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
        );
      expect(await codeOf(artifactKeyOf(stranger, cid))).toBe('ARTIFACT_NOT_OWNER');
      // Its bytes are not served to the stranger, signed or not: it is neither an owner, a grantee, nor leased.
      expect(await codeOf(downloadArtifact(stranger, cid))).toBe('ARTIFACT_ACCESS_DENIED');
      expect(await codeOf(readArtifact(stranger, cid))).toBe('ARTIFACT_ACCESS_DENIED');
      expect(isEnvelope(await readArtifact(lying.owner, cid))).toBe(true);
      const request = {
        module: await hashChain(),
        args: ['1'],
        stdin: cid,
        maxPrice: ONE_GRID,
        deadlineSeconds: 60,
        memoryMb: 16,
        cpuCores: 1,
      };
      expect(await codeOf(runPrivateJob(stranger, request, strangerKey))).toBe('ARTIFACT_NOT_OWNER');
      // Nor name it in a job of its own.
      expect(await codeOf(submitWasmJob(stranger, request))).toBe('ARTIFACT_ACCESS_DENIED');
      // Keys for the owner's job: a stranger may not give them, and once the job is over nobody can.
      const keysFor = async (signer: OwnerContext, client: string) =>
        signer.coordinator.postJson(
          `/v1/jobs/${job.id}/keys`,
          await signMessage(signer.signer, signer.domain, 'LeaseKeys', {
            client,
            jobId: job.id as Hex,
            provider: job.provider!,
            secrets: `0x${'00'.repeat(100)}`,
            nonce: BigInt(Date.now()),
            expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
          }),
        );
      expect(await codeOf(keysFor(stranger, job.client))).toBe('SIGNER_MISMATCH');
      expect(await codeOf(keysFor(stranger, stranger.signer.address))).toBe('NOT_AUTHORIZED');
      expect(await codeOf(keysFor(lying.owner, job.client))).toBe('LEASE_NOT_FOUND');
    } finally {
      await lying.net.stop();
    }
  }, 120_000);
});
