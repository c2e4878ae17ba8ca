import { join } from 'node:path';
import { SUCCESSOR_REPLY, writeSuccessorModel } from '@idlegrid/node/testing';
import { getBalances, loadApiKey } from '@idlegrid/sdk';
import OpenAI from 'openai';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { jobEvents, paymentState, startNet, type TestNet } from './localnet-harness.js';

interface NetworkRun {
  idlegrid: { job_id: string; provider: string; charge: string };
}

let net: TestNet;
let openai: OpenAI;
let liar: Address;

beforeAll(async () => {
  // provider-2 is the cheapest per token: it gets the first answers, and lies in every one.
  net = await startNet(3, ['--adversary', 'provider-2=wrong'], async (dataDir) => {
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
  liar = net.providers.find((p) => p.name === 'provider-2')!.address as Address;
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

describe('LLM answers verified by re-scoring, on a local network of processes', () => {
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
      if (events.some((event) => event.to === 'submitted' && event.detail.code === 'RESULT_DISPUTED'))
        caught.push(run.job_id);
    }
    expect(caught.length, 'the liar answered none of the requests').toBeGreaterThan(0);
    expect((await getBalances(net.chain, liar)).stakeBonded).toBeLessThan(stakeBefore);
    expect((await paymentState(net.coordinatorUrl, net.ctx.signer.address, liar)).cumulativeAmount).toBe(
      paidBefore,
    );
  }, 180_000);
});
