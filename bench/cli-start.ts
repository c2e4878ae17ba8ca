import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FUNDER_KEY_NAME, fundFromFaucet, LOCALNET_GRANTS, stake } from '@idlegrid/node';
import {
  CoordinatorClient,
  connect,
  createKey,
  type Job,
  loadKey,
  type NetworkConfig,
  readNetworkConfig,
  runWasmJob,
} from '@idlegrid/sdk';
import { NOOP_WASM } from './local-network.js';
import { machineLine, markdownTable } from './report.js';
import { median, ms } from './stats.js';

/**
 * How fast the CLI answers a person, as wall time from spawning the process: `--help`,
 * `wallet list`, `job run` of a no-op job against a running network, and a provider's join
 * (spawn to its first job accepted). Each is measured beside `node -e ''` and beside the same
 * command of the CLI at BASELINE_REV (built in a temporary worktree), in the same run.
 *   npm run bench:cli            (CLI_BASELINE_REV=<rev> to compare with another commit)
 */

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The commit before the CLI was split by command and bundled. */
const BASELINE_REV = process.env.CLI_BASELINE_REV ?? 'a1c4795';
const TRIALS = { quick: 15, jobRun: 10, join: 10 };
/** libp2p refuses more than 5 inbound connections per second from one address: joins are spaced. */
const JOIN_SPACING_MS = 1_200;
const TARGETS = { help: 300, walletList: 300, jobRun: 600, join: 500 };

interface Cli {
  label: string;
  bin: string;
}

async function timeCommand(argv: readonly string[], trials: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    await run(argv[0]!, argv.slice(1), { maxBuffer: 16 * 2 ** 20 });
    times.push(performance.now() - t0);
  }
  return times;
}

/** The CLI at `rev`, built in a worktree of its own that shares this checkout's node_modules. */
async function buildBaseline(rev: string): Promise<{ cli: Cli; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'idlegrid-cli-baseline-'));
  await run('git', ['-C', REPO, 'worktree', 'add', '--detach', dir, rev]);
  const remove = async () => {
    await run('git', ['-C', REPO, 'worktree', 'remove', '--force', dir]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Hard links: the same packages at no disk cost (npm links workspaces relatively), with the
    // workspaces' own node_modules (versions that differ from the root's).
    await run('cp', ['-al', join(REPO, 'node_modules'), join(dir, 'node_modules')]);
    for (const workspace of await readdir(join(REPO, 'packages'))) {
      const own = join(REPO, 'packages', workspace, 'node_modules');
      if (existsSync(own)) await run('cp', ['-al', own, join(dir, 'packages', workspace, 'node_modules')]);
    }
    await run('npm', ['run', 'build'], { cwd: dir, maxBuffer: 64 * 2 ** 20 });
  } catch (error) {
    await remove();
    throw error;
  }
  const short = (await run('git', ['-C', REPO, 'rev-parse', '--short', rev])).stdout.trim();
  return {
    cli: { label: `before (${short})`, bin: join(dir, 'packages', 'cli', 'bin', 'idlegrid.js') },
    remove,
  };
}

/** Starts `idlegrid ARGS` and resolves with its first stdout line once printed. */
function firstLine(bin: string, args: readonly string[]): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, IDLEGRID_EXIT_WITH_PARENT: '1' },
    });
    let buffer = '';
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout!.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve({ child, line: buffer.slice(0, newline) });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Localnet {
  dataDir: string;
  coordinatorP2p: string;
  child: ChildProcess;
}

async function startLocalnet(current: Cli): Promise<Localnet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-bench-cli-'));
  const { child } = await firstLine(current.bin, [
    '--data-dir',
    dataDir,
    '--json',
    'localnet',
    '--providers',
    '1',
    '--no-demo',
    '--port',
    '0',
    '--api-port',
    '0',
  ]);
  const info = JSON.parse(await readFile(join(dataDir, 'localnet.json'), 'utf8')) as {
    coordinatorP2p: string;
  };
  return { dataDir, coordinatorP2p: info.coordinatorP2p, child };
}

/**
 * Spawn to ready, to running and to accepted of a provider's first job (its own region): a new
 * provider's first start, then the same provider started again (as an operator restarts it).
 */
async function joins(cli: Cli, net: Localnet, tag: string) {
  const network = await readNetworkConfig(net.dataDir);
  const info = JSON.parse(await readFile(join(net.dataDir, 'localnet.json'), 'utf8')) as {
    coordinatorUrl: string;
  };
  const ctx = {
    coordinator: new CoordinatorClient({ url: info.coordinatorUrl }),
    signer: await loadKey(net.dataDir, 'client'),
    domain: connect(network).domain,
  };
  const ready: number[] = [];
  const running: number[] = [];
  const accepted: number[] = [];
  const restarted: number[] = [];
  for (let i = 0; i < TRIALS.join; i++) {
    const dir = await stakedProviderDir(net, network);
    const region = `join-${tag}-${i}`;
    try {
      for (const start of ['first', 'again'] as const) {
        const startedAt = Date.now();
        const t0 = performance.now();
        const { child, line } = await firstLine(cli.bin, [
          '--data-dir',
          dir,
          '--json',
          'provider',
          'start',
          '--coordinator-p2p',
          net.coordinatorP2p,
          '--region',
          region,
        ]);
        try {
          // A provider the coordinator refused prints its error as its one line.
          if (line.startsWith('{"error"')) return { refused: line };
          const readyMs = performance.now() - t0;
          const { job } = await runWasmJob(ctx, {
            module: NOOP_WASM,
            maxPrice: 10n ** 17n,
            deadlineSeconds: 60,
            memoryMb: 16,
            cpuCores: 1,
            region,
          });
          if (job.state !== 'accepted') throw new Error(`join trial ${i}: job ${job.state}`);
          const at = await stateTimes(ctx.coordinator, job);
          if (start === 'again') restarted.push(at.get('accepted')! - startedAt);
          else {
            ready.push(readyMs);
            running.push(at.get('running')! - startedAt);
            accepted.push(at.get('accepted')! - startedAt);
          }
        } finally {
          await stop(child);
        }
        await new Promise((resolve) => setTimeout(resolve, JOIN_SPACING_MS));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { ready, running, accepted, restarted };
}

/**
 * A data directory holding a funded, staked provider key (as an operator has before running
 * `provider start`): staking is set-up, not part of joining.
 */
async function stakedProviderDir(net: Localnet, network: NetworkConfig): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'idlegrid-bench-join-'));
  await cp(join(net.dataDir, 'network.json'), join(dir, 'network.json'));
  const account = await createKey(dir, 'provider');
  const funder = connect(network, await loadKey(net.dataDir, FUNDER_KEY_NAME));
  await fundFromFaucet(funder, {
    to: account.address,
    eth: LOCALNET_GRANTS.gas,
    tokens: LOCALNET_GRANTS.providerTokens,
  });
  await stake(connect(network, account), LOCALNET_GRANTS.providerStake);
  return dir;
}

async function stateTimes(coordinator: CoordinatorClient, job: Job): Promise<Map<string, number>> {
  const { events } = (await coordinator.getJson(`/v1/jobs/${job.id}/events`)) as {
    events: { to: string; at: number }[];
  };
  const at = new Map<string, number>();
  for (const event of events) if (!at.has(event.to)) at.set(event.to, event.at);
  return at;
}

export async function runCliStartBenchmark(): Promise<string> {
  const started = performance.now();
  const current: Cli = { label: 'now', bin: join(REPO, 'packages', 'cli', 'bin', 'idlegrid.js') };
  const baseline = await buildBaseline(BASELINE_REV);
  const clis = [baseline.cli, current];
  const keys = await mkdtemp(join(tmpdir(), 'idlegrid-bench-keys-'));
  let net: Localnet | undefined;
  try {
    const nodeBaseline = await timeCommand([process.execPath, '-e', ''], TRIALS.quick);
    for (const name of ['client', 'provider-1', 'provider-2']) {
      await run(process.execPath, [current.bin, '--data-dir', keys, 'wallet', 'new', '--name', name]);
    }
    const noop = join(keys, 'noop.wasm');
    await writeFile(noop, NOOP_WASM);
    net = await startLocalnet(current);
    const rows: (string | number)[][] = [];
    const results = new Map<string, Map<string, number[]>>();
    /** CLIs whose provider the network refused (an older protocol): their joins are n/a. */
    const refusals: string[] = [];
    for (const cli of clis) {
      const of = new Map<string, number[]>();
      of.set('help', await timeCommand([process.execPath, cli.bin, '--help'], TRIALS.quick));
      of.set(
        'walletList',
        await timeCommand([process.execPath, cli.bin, '--data-dir', keys, 'wallet', 'list'], TRIALS.quick),
      );
      of.set(
        'jobRun',
        await timeCommand(
          [process.execPath, cli.bin, '--data-dir', net.dataDir, 'job', 'run', '--wasm', noop],
          TRIALS.jobRun,
        ),
      );
      const join = await joins(cli, net, cli === current ? 'now' : 'before');
      if ('refused' in join) refusals.push(`${cli.label}: ${join.refused}`);
      else {
        of.set('joinReady', join.ready);
        of.set('joinRunning', join.running);
        of.set('join', join.accepted);
        of.set('restart', join.restarted);
      }
      results.set(cli.label, of);
    }
    const cell = (values: number[] | undefined) => (values ? ms(median(values)) : 'n/a');
    const line = (label: string, key: string, target?: number) =>
      rows.push([
        label,
        ms(median(nodeBaseline)),
        cell(results.get(baseline.cli.label)!.get(key)),
        cell(results.get(current.label)!.get(key)),
        target === undefined ? '' : `< ${target}`,
      ]);
    line('`idlegrid --help`', 'help', TARGETS.help);
    line('`idlegrid wallet list` (3 keys)', 'walletList', TARGETS.walletList);
    line('`idlegrid job run --wasm noop.wasm` (submit, run, verify, pay)', 'jobRun', TARGETS.jobRun);
    line('provider join: spawn to ready (hello and offer acknowledged)', 'joinReady');
    line('provider join: spawn to its first job running', 'joinRunning');
    line('provider join: spawn to its first job accepted', 'join', TARGETS.join);
    line('provider restarted (the same one again): spawn to its first job accepted', 'restart');
    return [
      '## CLI: time to answer a person',
      '',
      machineLine(),
      '',
      `Wall time from spawning the process, median of ${TRIALS.quick} runs (${TRIALS.jobRun} for job run, ${TRIALS.join} joins of new providers, each then restarted), ms.`,
      `"before" is the CLI at ${baseline.cli.label.slice(8, -1)}, built in a worktree in the same run; \`node -e ''\` is the floor any Node CLI pays here.`,
      'Jobs and joins run against one local network (chain, coordinator, one provider) started by the current CLI.',
      '',
      markdownTable(['command', "`node -e ''`", baseline.cli.label, 'now', 'target'], rows),
      '',
      ...refusals.map(
        (refusal) => `A provider of the CLI ${refusal.replace(/^([^:]+): /, '$1 could not join: ')}`,
      ),
      ...(refusals.length ? [''] : []),
      `The whole CLI benchmark took ${Math.round((performance.now() - started) / 1000)} s.`,
    ].join('\n');
  } finally {
    if (net) await stop(net.child);
    if (net) await rm(net.dataDir, { recursive: true, force: true });
    await rm(keys, { recursive: true, force: true });
    await baseline.remove();
  }
}
