import { readFile } from 'node:fs/promises';
import type { Network } from './local-network.js';

export interface RoleCpu {
  client: number;
  coordinator: number;
  providers: number;
}

/** The processes of each role of a benchmark network: the client is this process. */
export function rolePids(net: Network) {
  return {
    client: process.pid,
    coordinator: net.coordinatorNode.process.pid!,
    providers: net.providers.map(({ node }) => node.process.pid!),
  };
}

/** CPU time (user + system, ms) each role's processes used so far, from /proc (Linux). */
export async function cpuMsOf(pids: ReturnType<typeof rolePids>): Promise<RoleCpu> {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const of = async (pid: number) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
  };
  const providers = await Promise.all(pids.providers.map(of));
  return {
    client: await of(pids.client),
    coordinator: await of(pids.coordinator),
    providers: providers.reduce((sum, ms) => sum + ms, 0),
  };
}

/** CPU of each role between two readings, per job. */
export function cpuPerJob(before: RoleCpu, after: RoleCpu, jobs: number): RoleCpu {
  const per = (role: keyof RoleCpu) => (after[role] - before[role]) / Math.max(1, jobs);
  return { client: per('client'), coordinator: per('coordinator'), providers: per('providers') };
}
