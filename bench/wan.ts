import { FaultProxy } from '@idlegrid/node/testing';
import { CoordinatorClient, runWasmJob } from '@idlegrid/sdk';
import { startNetwork } from './local-network.js';
import { machineLine, markdownTable } from './report.js';
import { median, ms } from './stats.js';

/** One-way delay of every hop: a client, a coordinator and a provider a continent apart. */
const HOP_MS = 200;
const TRIALS = 15;
/**
 * One-way hops on a no-op job's path: the client's signed spec to the coordinator, the
 * assignment to the provider, its result back, and the result to the client on the stream the
 * submission opened. (The provider's acknowledgement travels beside its run; the module is in its
 * cache after the first job; the client's connection is kept alive.)
 */
const HOPS = 4;

/**
 * A no-op job's submit-to-result at 200 ms per hop (`npm run bench:wan`): the client's HTTP and
 * the provider's p2p link each go through a FaultProxy (the tests' link-fault double) to a
 * coordinator and a provider in processes of their own, against the floor the hops imply and
 * against the same path with no delay, alternating.
 */
export async function runWanBenchmark(): Promise<string> {
  const net = await startNetwork(0);
  const target = (url: string) => ({ port: Number(new URL(url).port) });
  const http = await FaultProxy.start({ target: target(net.coordinatorUrl) });
  const [, p2pPort, peer] = /\/tcp\/(\d+)\/p2p\/(.+)$/.exec(net.coordinatorP2p)!;
  const p2p = await FaultProxy.start({ target: { port: Number(p2pPort) } });
  try {
    await net.addProvider(undefined, `/ip4/127.0.0.1/tcp/${p2p.port}/p2p/${peer}`);
    const ctx = { ...net.ctx, coordinator: new CoordinatorClient({ url: `http://127.0.0.1:${http.port}` }) };
    const run = async () => {
      const t0 = performance.now();
      const { job } = await runWasmJob(
        ctx,
        {
          module: net.moduleCid,
          maxPrice: 10n ** 18n,
          deadlineSeconds: 120,
          memoryMb: 16,
          cpuCores: 1,
          verification: 'none',
        },
        { timeoutMs: 60_000 },
      );
      if (job.state !== 'accepted') throw new Error(`no-op job ended ${job.state}`);
      return performance.now() - t0;
    };
    const setDelay = (delayMs: number) => {
      for (const proxy of [http, p2p]) proxy.faults = { delayMs, bytesPerSecond: 0, dropRate: 0 };
    };
    await run(); // the provider caches the module
    const near: number[] = [];
    const far: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      setDelay(0);
      near.push(await run());
      setDelay(HOP_MS);
      far.push(await run());
    }
    const floor = HOPS * HOP_MS;
    const [n, f] = [median(near), median(far)];
    console.log(`wan: no-op at ${HOP_MS} ms per hop ${ms(f)} ms (floor ${floor}), at 0 ms ${ms(n)} ms`);
    return [
      '## Wide-area: a no-op job at 200 ms per hop',
      '',
      machineLine(),
      '',
      `A coordinator and a provider, each its own process (no chain), the client's HTTP and the provider's p2p link each through a FaultProxy (the tests' link-fault double) adding ${HOP_MS} ms each way; the same path with no delay alternating with it, ${TRIALS} trials each, median ms. One call (\`runWasmJob\`: the signed spec posted, the result coming back on the same stream), the module cached on the provider, verification none. The floor is the ${HOPS} one-way hops on the job's path (spec to the coordinator, assignment to the provider, result back, result to the client) times ${HOP_MS} ms. Target (issue 18): within 1.5 times the floor.`,
      '',
      markdownTable(
        ['path', 'submit to result ms', 'floor ms', 'against the floor'],
        [
          [`${HOP_MS} ms per hop`, ms(f), String(floor), `${(f / floor).toFixed(2)}x`],
          ['0 ms per hop', ms(n), '0', '-'],
        ],
      ),
    ].join('\n');
  } finally {
    await http.close();
    await p2p.close();
    await net.stop();
  }
}
