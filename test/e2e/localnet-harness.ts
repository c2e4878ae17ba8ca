import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkDomain, toWireJson } from '@idlegrid/protocol';
import {
  type ChainContext,
  CoordinatorClient,
  connect,
  getJob,
  type Job,
  type JobsContext,
  loadKey,
  readNetworkConfig,
} from '@idlegrid/sdk';
import type { Address } from 'viem';
import { startCli } from './cli-harness.js';

export interface LocalnetProvider {
  name: string;
  address: Address;
}

/** A coordinator of the local network, as localnet.json lists it. */
export interface LocalnetCoordinator {
  name: string;
  address: string;
  apiUrl: string;
  /** Its libp2p address, with its peer id. */
  p2p: string;
  pid: number;
}

/** A local network of processes, started by the real CLI in its own data directory. */
export interface TestNet {
  dataDir: string;
  coordinatorUrl: string;
  /** Every coordinator (`--coordinators N`), the first being `coordinatorUrl`'s. */
  coordinators: LocalnetCoordinator[];
  /** The coordinator's libp2p address (with its peer id), as the providers dial it. */
  coordinatorP2p: string;
  providers: LocalnetProvider[];
  /** The funded client's jobs context (its key from DIR/keys/client.key). */
  ctx: JobsContext;
  chain: ChainContext;
  /** The `idlegrid localnet` process itself. */
  localnet: ChildProcess;
  /** Stops the localnet (SIGINT), then kills whatever is left that runs in this data directory and deletes it (kept with KEEP_NET=1, to read its logs and database). */
  stop(): Promise<void>;
}

/**
 * `extra`: more `localnet` flags, e.g. `--adversary provider-2=wrong`; `prepare` runs on the fresh
 * data directory before anything starts (to register models, say).
 */
export async function startNet(
  providers: number,
  extra: readonly string[] = [],
  prepare?: (dataDir: string) => Promise<void>,
): Promise<TestNet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-failures-'));
  let localnet: Awaited<ReturnType<typeof startCli>> | undefined;
  const stop = async () => {
    if (localnet && localnet.child.exitCode === null && localnet.child.signalCode === null) {
      localnet.child.kill('SIGINT');
      const timer = setTimeout(() => localnet?.child.kill('SIGKILL'), 30_000);
      await localnet.exited;
      clearTimeout(timer);
    }
    // Anything started in this data directory and still alive (a restarted coordinator, a
    // provider orphaned by a killed parent) is ended by its pid.
    for (const pid of await pidsOf(dataDir, '')) killPid(pid, 'SIGKILL');
    await waitFor(async () => (await pidsOf(dataDir, '')).length === 0, 20_000, 'processes to exit');
    if (!process.env.KEEP_NET) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await prepare?.(dataDir);
    localnet = await startCli([
      '--data-dir',
      dataDir,
      '--json',
      'localnet',
      '--port',
      '0',
      '--api-port',
      '0',
      '--providers',
      String(providers),
      '--no-demo',
      ...extra,
    ]);
    const info = JSON.parse(await readFile(join(dataDir, 'localnet.json'), 'utf8')) as {
      coordinatorUrl: string;
      coordinatorP2p: string;
      coordinators: LocalnetCoordinator[];
      providers: LocalnetProvider[];
    };
    const network = await readNetworkConfig(dataDir);
    const coordinatorUrl = (localnet.first as { coordinatorUrl: string }).coordinatorUrl;
    return {
      dataDir,
      coordinatorUrl,
      coordinatorP2p: info.coordinatorP2p,
      coordinators: info.coordinators,
      providers: info.providers.map(({ name, address }) => ({ name, address })),
      ctx: {
        coordinator: new CoordinatorClient({ url: coordinatorUrl, timeoutMs: 20_000 }),
        signer: await loadKey(dataDir, 'client'),
        domain: networkDomain(network.chainId, network.paymentChannels),
      },
      chain: connect(network),
      localnet: localnet.child,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts (again) the provider `name` of this network, joined to `coordinatorP2p`; `extra`: more `provider start` flags. */
export function startProvider(
  net: TestNet,
  name: string,
  coordinatorP2p: string,
  extra: readonly string[] = [],
) {
  return startCli([
    '--data-dir',
    net.dataDir,
    '--json',
    'provider',
    'start',
    '--name',
    name,
    '--coordinator-p2p',
    coordinatorP2p,
    ...extra,
  ]);
}

/** Pids of processes whose command line names this data directory and contains `pattern`. */
export function pidsOf(dataDir: string, pattern: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile('ps', ['-eo', 'pid=,args='], { maxBuffer: 16 * 2 ** 20 }, (error, stdout) => {
      if (error) return reject(error);
      const pids = stdout
        .split('\n')
        .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null)
        .filter(([, pid, args]) => Number(pid) !== process.pid && args!.includes(dataDir))
        .filter(([, , args]) => args!.includes(pattern))
        .map(([, pid]) => Number(pid));
      resolve(pids);
    });
  });
}

/** The one process serving `--name NAME` (a provider) or `coordinator start` in this data directory. */
export async function pidOf(dataDir: string, pattern: string): Promise<number> {
  const pids = await pidsOf(dataDir, pattern);
  if (pids.length !== 1) throw new Error(`expected one process matching ${pattern}, found ${pids.length}`);
  return pids[0]!;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Polls `check` every 200 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls the job until `predicate` holds for it. */
export async function pollJob(
  ctx: JobsContext,
  id: string,
  predicate: (job: Job) => boolean,
  timeoutMs: number,
): Promise<Job> {
  let latest: Job | undefined;
  await waitFor(
    async () => {
      latest = await getJob(ctx, id);
      return predicate(latest);
    },
    timeoutMs,
    `job ${id} (last seen ${latest?.state})`,
  );
  return latest!;
}

/** A job's event log: `GET /v1/jobs/:id/events`. */
export async function jobEvents(
  url: string,
  id: string,
): Promise<{ from: string | null; to: string; detail: Record<string, unknown> }[]> {
  const response = await fetch(new URL(`/v1/jobs/${id}/events`, url));
  if (!response.ok) throw new Error(`events of ${id}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { events: never[] }).events;
}

/** What the coordinator has relayed from client to provider: `GET /v1/payments/:client/:provider`. */
export async function paymentState(
  url: string,
  client: string,
  provider: string,
): Promise<{ cumulativeAmount: string; nonce: string }> {
  const response = await fetch(new URL(`/v1/payments/${client}/${provider}`, url));
  if (!response.ok) throw new Error(`payment state: ${response.status} ${await response.text()}`);
  return (await response.json()) as { cumulativeAmount: string; nonce: string };
}

/** POSTs a JSON body (bigints in wire form) and returns the raw HTTP answer. */
export async function postRaw(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { error?: { code: string; message: string }; job?: Job } }> {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : toWireJson(body),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** Runs still in progress on a provider: its executor's per-run directories under scratch/. */
export async function runsInProgress(dataDir: string, provider: Address): Promise<number> {
  const entries = await readdir(join(dataDir, 'provider', provider, 'scratch')).catch(() => []);
  return entries.filter((entry) => entry.startsWith('idlegrid-wasm-')).length;
}

/** The providers a coordinator lists, and which of them are joined to another coordinator of the mesh. */
export async function providersAt(apiUrl: string) {
  const { providers } = (await new CoordinatorClient({ url: apiUrl }).getJson('/v1/providers')) as {
    providers: {
      address: string;
      online: boolean;
      joinedVia: string | null;
      suspendedUntil: number | null;
    }[];
  };
  return providers;
}

/** Waits until `coordinator` lists the provider online, joined to `via`: it heard of it through the mesh. */
export function heardThroughMesh(
  coordinator: LocalnetCoordinator,
  provider: string,
  via: LocalnetCoordinator,
) {
  return waitFor(
    async () =>
      (await providersAt(coordinator.apiUrl)).some(
        (p) => p.address === provider && p.online && p.joinedVia === via.address,
      ),
    60_000,
    `${coordinator.name} to hear of ${provider} through ${via.name}`,
  );
}

/**
 * Starts a coordinator of the network again with the CLI, on its own ports by default (`flags`
 * replace them); one still running is killed first (SIGKILL), as a crash would.
 */
export async function restartCoordinator(
  net: Pick<TestNet, 'dataDir'>,
  coordinator: LocalnetCoordinator,
  flags: readonly string[] = [
    '--api-port',
    new URL(coordinator.apiUrl).port,
    '--p2p-port',
    /\/tcp\/(\d+)\//.exec(coordinator.p2p)![1]!,
  ],
): Promise<Awaited<ReturnType<typeof startCli>>> {
  if (isAlive(coordinator.pid)) {
    killPid(coordinator.pid, 'SIGKILL');
    await waitFor(() => !isAlive(coordinator.pid), 10_000, `${coordinator.name} to die`);
  }
  return startCli(['--data-dir', net.dataDir, '--json', 'coordinator', 'start', ...flags]);
}
