import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildNode, startChildNode } from '@idlegrid/node';
import { localAccount } from '@idlegrid/protocol';
import { CoordinatorClient, type JobsContext, runWasmJob, uploadArtifact } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { domain, NODE_SCRIPT, NOOP_WASM, network, PROVIDER_CORES, TICK_MS } from './local-network.js';
import type { CoordinatorNodeConfig, ProviderNodeConfig } from './network-node.js';
import { machineLine, markdownTable } from './report.js';
import { median, ms, quantile } from './stats.js';

/**
 * One coordinator against a mesh of three (`npm run bench:mesh`), in the same run: the same four
 * providers and the same clients, each node its own process (no chain, SQLite each), on
 * 127.0.0.1. In the mesh the providers are spread over the coordinators, and each client talks
 * to one of them. Measured: the latency of one no-op job at a time (the dispatch overhead), and
 * jobs/s with 16 in flight (one call, `runWasmJob`, per job).
 */
const PROVIDERS = 4;
const LATENCY_WARMUP = 30;
const LATENCY_JOBS = 100;
const THROUGHPUT_WARMUP = 200;
const THROUGHPUT_JOBS = 800;
const CONCURRENCY = 16;

interface Mesh {
  contexts: JobsContext[];
  stop(): Promise<void>;
}

async function startMesh(coordinatorCount: number): Promise<Mesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-bench-mesh-'));
  const nodes: ChildNode[] = [];
  const stop = async () => {
    for (const node of nodes.reverse()) await node.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const start = async (name: string, role: string, config: object) => {
      const node = await startChildNode(NODE_SCRIPT, name, [role, JSON.stringify(config)], { dataDir });
      nodes.push(node);
      return node.info as { apiUrl: string; p2p: string };
    };
    const coordinators: { apiUrl: string; p2p: string }[] = [];
    for (let i = 0; i < coordinatorCount; i++) {
      const config: CoordinatorNodeConfig = {
        dataDir: join(dataDir, `coordinator-${i}`),
        network,
        privateKey: generatePrivateKey(),
        tickMs: TICK_MS,
        peers: coordinators.slice(0, 1).map((c) => c.p2p),
      };
      coordinators.push(await start(`coordinator-${i}`, 'coordinator', config));
    }
    for (let i = 0; i < PROVIDERS; i++) {
      const config: ProviderNodeConfig = {
        dataDir: join(dataDir, `provider-${i}`),
        network,
        privateKey: generatePrivateKey(),
        coordinator: coordinators[i % coordinatorCount]!.p2p,
        cpuCores: PROVIDER_CORES,
        heartbeatIntervalMs: 1_000,
      };
      await start(`provider-${i}`, 'provider', config);
    }
    // One client key for all; each coordinator keeps its own copy of the module.
    const signer = localAccount(generatePrivateKey());
    const contexts = coordinators.map(({ apiUrl }) => ({
      coordinator: new CoordinatorClient({ url: apiUrl }),
      signer,
      domain,
    }));
    for (const ctx of contexts) await uploadArtifact(ctx, NOOP_WASM);
    return { contexts, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function noopJob(ctx: JobsContext): Promise<number> {
  const t0 = performance.now();
  const { job, result } = await runWasmJob(
    ctx,
    { module: NOOP_WASM, maxPrice: 10n ** 18n, deadlineSeconds: 120, memoryMb: 16, cpuCores: 1 },
    { timeoutMs: 60_000 },
  );
  if (job.state !== 'accepted' || result?.exitCode !== 0) throw new Error(`no-op job ended ${job.state}`);
  return performance.now() - t0;
}

interface MeshRun {
  coordinators: number;
  latencies: number[];
  jobsPerSecond: number;
  failed: number;
}

async function measure(coordinatorCount: number): Promise<MeshRun> {
  const mesh = await startMesh(coordinatorCount);
  try {
    // Latency: one job at a time, taking the coordinators in turn.
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_JOBS; i++) {
      const latency = await noopJob(mesh.contexts[i % mesh.contexts.length]!);
      if (i >= LATENCY_WARMUP) latencies.push(latency);
    }
    // Throughput: CONCURRENCY clients, each on one coordinator.
    const burst = async (jobs: number) => {
      let next = 0;
      let failed = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, client) => {
          const ctx = mesh.contexts[client % mesh.contexts.length]!;
          while (next++ < jobs) await noopJob(ctx).catch(() => failed++);
        }),
      );
      return { seconds: (performance.now() - t0) / 1000, failed };
    };
    await burst(THROUGHPUT_WARMUP);
    const { seconds, failed } = await burst(THROUGHPUT_JOBS);
    return {
      coordinators: coordinatorCount,
      latencies,
      jobsPerSecond: (THROUGHPUT_JOBS - failed) / seconds,
      failed,
    };
  } finally {
    await mesh.stop();
  }
}

export async function runMeshThroughputBenchmark(): Promise<string> {
  const runs: MeshRun[] = [];
  for (const coordinators of [1, 3]) {
    const run = await measure(coordinators);
    console.log(
      `mesh throughput, ${coordinators} coordinator(s): p50 ${ms(median(run.latencies))} ms, ${run.jobsPerSecond.toFixed(0)} jobs/s`,
    );
    runs.push(run);
  }
  return [
    '## One coordinator against a mesh of three',
    '',
    machineLine(),
    '',
    `The same ${PROVIDERS} providers (${PROVIDER_CORES} cores offered each) and clients, each node its own process on 127.0.0.1 (no chain; each coordinator its own SQLite). With three coordinators, a mesh with separate stores: the providers are spread over them, and each client talks to one. Latency: a no-op job at a time (\`runWasmJob\`: sign, submit, wait for the result), ${LATENCY_JOBS} jobs after ${LATENCY_WARMUP} to warm up, the coordinators taken in turn. Throughput: ${CONCURRENCY} clients with one job in flight each, ${THROUGHPUT_JOBS} jobs after ${THROUGHPUT_WARMUP}. Both setups in the same run, on the same 2 cores: here the three coordinators share the CPU that one had to itself, so the figure shows the mesh's cost, not the capacity it adds on separate machines.`,
    '',
    markdownTable(
      ['coordinators', 'p50 ms', 'p90 ms', 'jobs/s', 'failed'],
      runs.map((run) => [
        String(run.coordinators),
        ms(median(run.latencies)),
        ms(quantile(run.latencies, 0.9)),
        run.jobsPerSecond.toFixed(0),
        String(run.failed),
      ]),
    ),
  ].join('\n');
}
