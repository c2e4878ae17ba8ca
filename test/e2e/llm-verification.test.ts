import { join } from 'node:path';
import { filesHolding, SUCCESSOR_REPLY, writeSuccessorModel } from '@idlegrid/node/testing';
import { localAccount } from '@idlegrid/protocol';
import { getBalances, loadApiKey, loadPrivateKey } from '@idlegrid/sdk';
import { privateChat } from '@idlegrid/sdk/privacy';
import OpenAI from 'openai';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { jobEvents, paymentState, startNet, type TestNet } from './localnet-harness.js';

interface NetworkRun {
  idlegrid: { job_id: string; provider: string; charge: string };
}

/** Three providers holding the successor model; provider-2, the cheapest per token, gets the first answers and lies in every one. */
async function startLlmNet(): Promise<{ net: TestNet; liar: Address }> {
  const net = await startNet(3, ['--adversary', 'provider-2=wrong'], async (dataDir) => {
    await writeSuccessorModel(join(dataDir, 'successor.gguf'));
    const added = await runCli([
      '--data-dir',
      dataDir,
      'model',
      'add',
      join(dataDir, 'successor.gguf'),
      '--name',
      'successor',
    ]);
    expect(added.code, added.stderr).toBe(0);
  });
  return { net, liar: net.providers.find((p) => p.name === 'provider-2')!.address as Address };
}

/** Whether the job's first answer was caught by re-scoring and the job sent back to the queue. */
const wasDisputed = (events: Awaited<ReturnType<typeof jobEvents>>) =>
  events.some((event) => event.to === 'submitted' && event.detail.code === 'RESULT_DISPUTED');

describe('LLM answers verified by re-scoring, on a local network of processes', () => {
  let net: TestNet;
  let liar: Address;
  let openai: OpenAI;

  beforeAll(async () => {
    ({ net, liar } = await startLlmNet());
    openai = new OpenAI({
      apiKey: await loadApiKey(net.dataDir, 'client'),
      baseURL: `${net.coordinatorUrl}/v1`,
      maxRetries: 0,
      timeout: 120_000,
      defaultHeaders: { 'x-idlegrid-verify': 'sample:1' },
    });
  }, 240_000);

  afterAll(async () => {
    await net?.stop();
  }, 60_000);

  it('catches a tampered answer: never returned, never paid, its provider slashed; the client gets an honest one', async () => {
    const stakeBefore = (await getBalances(net.chain, liar)).stakeBonded;
    const paidBefore = (await paymentState(net.coordinatorUrl, net.ctx.signer.address, liar))
      .cumulativeAmount;
    const caught: string[] = [];
    for (let i = 0; i < 8 && caught.length === 0; i++) {
      const completion = await openai.chat.completions.create({
        model: 'successor',
        messages: [{ role: 'user', content: `Question ${i}?` }],
      });
      const run = (completion as unknown as NetworkRun).idlegrid;
      expect(completion.choices[0]?.message.content).toBe(SUCCESSOR_REPLY);
      expect(run.provider).not.toBe(liar);
      const events = await jobEvents(net.coordinatorUrl, run.job_id);
      const accepted = events.find((event) => event.to === 'accepted');
      expect(accepted?.detail).toMatchObject({
        verification: { check: 'rescore', verdict: { plausible: true } },
      });
      // A caught answer sends the job back to the queue, disputed, before the honest one is accepted.
      if (wasDisputed(events)) caught.push(run.job_id);
    }
    expect(caught.length, 'the liar answered none of the requests').toBeGreaterThan(0);
    expect((await getBalances(net.chain, liar)).stakeBonded).toBeLessThan(stakeBefore);
    expect((await paymentState(net.coordinatorUrl, net.ctx.signer.address, liar)).cumulativeAmount).toBe(
      paidBefore,
    );
  }, 180_000);
});

describe('private LLM answers (privacy: private) verified by re-scoring', () => {
  let net: TestNet;
  let liar: Address;

  beforeAll(async () => {
    ({ net, liar } = await startLlmNet());
  }, 240_000);

  afterAll(async () => {
    await net?.stop();
  }, 60_000);

  it('catches the liar: the checker reads the sealed prompt and answer, the coordinator a sealed verdict; no file holds the prompt', async () => {
    const ownerKey = await loadPrivateKey(net.dataDir, 'client');
    const owner = {
      coordinator: net.ctx.coordinator,
      signer: localAccount(ownerKey),
      domain: net.ctx.domain,
    };
    const stakeBefore = (await getBalances(net.chain, liar)).stakeBonded;
    const prompts: string[] = [];
    const caught: string[] = [];
    for (let i = 0; i < 8 && caught.length === 0; i++) {
      const prompt = `private-prompt-${crypto.randomUUID()}`;
      prompts.push(prompt);
      const { job, answer } = await privateChat(
        owner,
        { model: 'successor', messages: [{ role: 'user', content: prompt }], verification: 'sample:1' },
        ownerKey,
        { timeoutMs: 120_000 },
      );
      expect(answer.text).toBe(SUCCESSOR_REPLY);
      expect(job.provider).not.toBe(liar);
      const events = await jobEvents(net.coordinatorUrl, job.id);
      expect(events.find((event) => event.to === 'accepted')?.detail).toMatchObject({
        verification: { check: 'rescore', verdict: { plausible: true } },
      });
      if (wasDisputed(events)) caught.push(job.id);
    }
    expect(caught.length, 'the liar answered none of the private requests').toBeGreaterThan(0);
    expect((await getBalances(net.chain, liar)).stakeBonded).toBeLessThan(stakeBefore);

    // The CLI asks privately too, and prints the plaintext answer.
    const prompt = `private-cli-prompt-${crypto.randomUUID()}`;
    prompts.push(prompt);
    const cli = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'chat',
      '--private',
      '--model',
      'successor',
      '--message',
      prompt,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json).toMatchObject({ text: SUCCESSOR_REPLY, jobId: expect.stringMatching(/^0x/) });

    // Nothing the network keeps (databases, artifact stores, caches, logs) holds a prompt.
    expect(await filesHolding(net.dataDir, prompts)).toEqual([]);
  }, 180_000);
});
