import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildNode, startChildNode } from '@idlegrid/node';
import { localAccount } from '@idlegrid/protocol';
import { CoordinatorClient, runWasmJob, uploadArtifact } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { domain, NODE_SCRIPT, NOOP_WASM, network, PROVIDER_CORES, TICK_MS } from './local-network.js';
import type { CoordinatorNodeConfig, ProviderNodeConfig } from './network-node.js';
import { machineLine, markdownTable } from './report.js';
import { median, ms } from './stats.js';

const TRIALS = 5;

/**
 * One trial: two coordinators of a mesh (separate stores), a provider joined to each (the first's
 * naming the second as its fallback), a client given both and running no-op jobs back to back.
 * The first coordinator is SIGKILLed; the time until the client's next job is accepted is the
 * failover.
 */
async function failoverOnce(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-bench-failover-'));
  const nodes: ChildNode[] = [];
  const start = async (name: string, role: string, config: object) => {
    const node = await startChildNode(NODE_SCRIPT, name, [role, JSON.stringify(config)], { dataDir });
    nodes.push(node);
    return node.info as { apiUrl: string; p2p: string };
  };
  const coordinator = (name: string, peers: string[]): CoordinatorNodeConfig => ({
    dataDir: join(dataDir, name),
    network,
    privateKey: generatePrivateKey(),
    tickMs: TICK_MS,
    peers,
  });
  const provider = (name: string, joins: string, fallbacks: string[]): ProviderNodeConfig => ({
    dataDir: join(dataDir, name),
    network,
    privateKey: generatePrivateKey(),
    coordinator: joins,
    fallbackCoordinators: fallbacks,
    cpuCores: PROVIDER_CORES,
    heartbeatIntervalMs: 1_000,
  });
  let running = true;
  try {
    const first = await start('coordinator-1', 'coordinator', coordinator('coordinator-1', []));
    const second = await start('coordinator-2', 'coordinator', coordinator('coordinator-2', [first.p2p]));
    await start('provider-1', 'provider', provider('provider-1', first.p2p, [second.p2p]));
    await start('provider-2', 'provider', provider('provider-2', second.p2p, []));
    const signer = localAccount(generatePrivateKey());
    // Each coordinator keeps its own artifacts: the module is uploaded to both.
    for (const url of [first.apiUrl, second.apiUrl])
      await uploadArtifact({ coordinator: new CoordinatorClient({ url }) }, NOOP_WASM);
    const ctx = {
      coordinator: new CoordinatorClient({ url: first.apiUrl, fallbackUrls: [second.apiUrl] }),
      signer,
      domain,
    };
    const request = {
      module: NOOP_WASM,
      maxPrice: 10n ** 18n,
      deadlineSeconds: 60,
      memoryMb: 16,
      cpuCores: 1,
    };
    const accepted: number[] = [];
    const loop = (async () => {
      while (running) {
        const outcome = await runWasmJob(
          ctx,
          { ...request, verification: 'none' },
          { timeoutMs: 30_000 },
        ).catch(() => undefined);
        if (outcome?.job.state === 'accepted') accepted.push(performance.now());
      }
    })();
    while (accepted.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const killedAt = performance.now();
    nodes[0]!.process.kill('SIGKILL');
    while (!accepted.some((at) => at > killedAt)) await new Promise((resolve) => setTimeout(resolve, 5));
    const failover = accepted.find((at) => at > killedAt)! - killedAt;
    running = false;
    await loop;
    return failover;
  } finally {
    running = false;
    for (const node of nodes.reverse()) await node.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Time to fail over (`npm run bench:failover`): from a coordinator's death to the next accepted job. */
export async function runFailoverBenchmark(): Promise<string> {
  const times: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) times.push(await failoverOnce());
  console.log(`failover: ${times.map(ms).join(', ')} ms`);
  return [
    '## Failover: from a coordinator killed to the next accepted job',
    '',
    machineLine(),
    '',
    `Two coordinators of a mesh with separate stores, each its own process (no chain), a provider joined to each (the first's naming the second as its fallback). A client given both coordinators (\`CoordinatorClient\` with \`fallbackUrls\`) runs no-op jobs back to back (\`runWasmJob\`) on the first; the first is SIGKILLed, and the time until the client's next job is accepted, by the second, is measured. The job in flight on the dead coordinator is lost to the client (separate stores): its next one goes to the second. ${TRIALS} trials, each on a fresh network.`,
    '',
    markdownTable(
      ['trials', 'median ms', 'slowest ms'],
      [[String(TRIALS), ms(median(times)), ms(Math.max(...times))]],
    ),
  ].join('\n');
}
