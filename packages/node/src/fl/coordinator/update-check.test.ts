import { localAccount, networkDomain, signMessage } from '@idlegrid/protocol';
import { generatePrivateKey } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { encodeUpdate } from '../bundle-weights.js';
import { updateHash } from '../provider-trainer.js';
import { checkUpdate, flEvidenceHash } from './update-check.js';

const domain = networkDomain(31337, '0x0000000000000000000000000000000000000003');
const RUN_ID = `0x${'ab'.repeat(32)}` as const;
const provider = localAccount(generatePrivateKey());

async function answerFor(update: Float32Array, options: { round?: number; signer?: typeof provider } = {}) {
  const signer = options.signer ?? provider;
  return {
    update: encodeUpdate(update),
    loss: 0.5,
    signed: await signMessage(signer, domain, 'FlUpdate', {
      provider: signer.address,
      runId: RUN_ID,
      round: options.round ?? 3,
      updateHash: updateHash(update),
      examples: 5_000,
      nonce: 1n,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 600),
    }),
  };
}

const check = (answer: unknown) =>
  checkUpdate(domain, {
    run: { signed: { kind: 'FlRun' }, runId: RUN_ID, clipNorm: 1 },
    round: 3,
    provider: provider.address,
    answer,
    length: 4,
    maxExamples: 800,
  });

describe("the coordinator's check of an update", () => {
  it('takes an update within the clip, its example count capped at what the offer lists', async () => {
    const taken = await check(await answerFor(Float32Array.from([0.5, 0.5, 0, 0])));
    expect(taken).toMatchObject({ provider: provider.address, examples: 800, loss: 0.5 });
    expect([...taken.update]).toEqual([0.5, 0.5, 0, 0]);
  });

  it('refuses an update whose receipt is for other bytes, another round, another signer, or another length', async () => {
    const update = Float32Array.from([0.1, 0, 0, 0]);
    const altered = { ...(await answerFor(update)), update: encodeUpdate(Float32Array.from([0.2, 0, 0, 0])) };
    const cases = [
      altered,
      await answerFor(update, { round: 2 }),
      await answerFor(update, { signer: localAccount(generatePrivateKey()) }),
      await answerFor(Float32Array.from([0.1, 0, 0])),
      { update: 'AAAA', loss: null },
    ];
    for (const answer of cases)
      await expect(check(answer)).rejects.toMatchObject({ code: 'FL_UPDATE_INVALID' });
  });

  it('convicts an update above the clip with evidence anyone can hash and check', async () => {
    const update = Float32Array.from([3, 4, 0, 0]);
    const error = await check(await answerFor(update)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FL_UPDATE_INVALID', details: { norm: 5, clipNorm: 1 } });
    const evidence = (error as { details: { evidence: Parameters<typeof flEvidenceHash>[0] } }).details
      .evidence;
    expect(evidence).toMatchObject({
      kind: 'fl-update-above-clip',
      update: encodeUpdate(update),
      clipNorm: 1,
    });
    expect(flEvidenceHash(evidence)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(flEvidenceHash({ ...evidence, norm: 4 })).not.toBe(flEvidenceHash(evidence));
  });
});
