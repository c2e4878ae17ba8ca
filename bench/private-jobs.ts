import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { localAccount } from '@idlegrid/protocol';
import { runWasmJob, uploadArtifact } from '@idlegrid/sdk';
import {
  eraseArtifact,
  type OwnerContext,
  runPrivateJob,
  sealArtifact,
  waitForErasure,
} from '@idlegrid/sdk/privacy';
import { generatePrivateKey } from 'viem/accounts';
import { startNetwork } from './local-network.js';
import { median, ms } from './stats.js';

const HASH_CHAIN = fileURLToPath(
  new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url),
);
const ONE_GRID = 10n ** 18n;

/**
 * Private jobs against plain ones, on a network of processes (a coordinator and 4 providers):
 * submit-to-result time of the same job (hash-chain 1 over its stdin, which it reads whole) with
 * a 1 KB and a 1 MB input, alternating; and the time from `erase` to the last provider's signed
 * receipt, with a sealed input cached by all 4 providers.
 */
export async function privateJobRows(): Promise<{ jobs: string[][]; erasure: string }> {
  const net = await startNetwork(4);
  try {
    const key = generatePrivateKey();
    const owner: OwnerContext = {
      coordinator: net.ctx.coordinator,
      signer: localAccount(key),
      domain: net.ctx.domain,
    };
    const ctx = { ...net.ctx, signer: owner.signer };
    const module = await uploadArtifact(ctx, await readFile(HASH_CHAIN));
    const job = { module, args: ['1'], maxPrice: ONE_GRID, deadlineSeconds: 60, memoryMb: 64, cpuCores: 1 };
    const jobs: string[][] = [];
    for (const [label, bytes, trials] of [
      ['1 KB input', 1024, 20],
      ['1 MB input', 2 ** 20, 10],
    ] as const) {
      const stdin = new Uint8Array(bytes).map((_, i) => (i * 31) & 0xff);
      const plain: number[] = [];
      const sealed: number[] = [];
      const once = async (times: number[], run: () => Promise<{ job: { state: string } }>) => {
        const t0 = performance.now();
        const { job: done } = await run();
        if (done.state !== 'accepted') throw new Error(`a benchmark job ended ${done.state}`);
        times.push(performance.now() - t0);
      };
      const runPlain = () => runWasmJob(ctx, { ...job, stdin, verification: 'none' });
      const runSealed = () => runPrivateJob(owner, { ...job, stdin, verification: 'none' }, key);
      await once([], runPlain);
      await once([], runSealed);
      for (let i = 0; i < trials; i++) {
        await once(plain, runPlain);
        await once(sealed, runSealed);
      }
      const [p, s] = [median(plain), median(sealed)];
      jobs.push([label, ms(p), ms(s), `+${ms(s - p)} ms (${(((s - p) / p) * 100).toFixed(0)}%)`]);
      console.log(`privacy: job with ${label}: plain ${ms(p)} ms, private ${ms(s)} ms`);
    }

    const erasures: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Larger than what travels with an assignment: every provider downloads and caches it.
      const input = await sealArtifact(
        owner,
        new Uint8Array(200 * 1024).map((_, j) => (i + j) & 0xff),
      );
      const replicated = await runPrivateJob(
        owner,
        { ...job, stdin: input.cid, verification: 'replicate:4' },
        key,
      );
      if (replicated.job.state !== 'accepted')
        throw new Error(`a replicated job ended ${replicated.job.state}`);
      const t0 = performance.now();
      const erased = await eraseArtifact(owner, input.cid);
      if (erased.providersNotified.length !== 4)
        throw new Error(`${erased.providersNotified.length} providers held it`);
      await waitForErasure(owner, input.cid, { intervalMs: 2, timeoutMs: 30_000 });
      erasures.push(performance.now() - t0);
    }
    console.log(`privacy: erase to the last of 4 receipts: ${erasures.map(ms).join(', ')} ms`);
    const erasure = `From \`erase\` (DELETE /v1/artifacts/:cid) to the last of 4 providers' signed receipts, each provider holding a cached copy: median ${ms(median(erasures))} ms, slowest ${ms(Math.max(...erasures))} ms (5 erasures; the client polls every 2 ms and checks every receipt's signature).`;
    return { jobs, erasure };
  } finally {
    await net.stop();
  }
}
