import { execFileSync } from 'node:child_process';

/**
 * A network namespace behind a NAT-like firewall, for a node that cannot be dialled (test
 * harness): a veth pair to the host, the namespace's only route out, and nftables inside it
 * dropping every connection that does not start from inside. Made with `ip` and `nft` as root.
 */
export interface NatNamespace {
  name: string;
  /** The host's end of the link, a public address: what the node inside reaches the rest through. */
  gateway: string;
  /** The node's own address, which nobody outside can open a connection to. */
  inside: string;
  /** The command prefix that runs a program inside. */
  exec: readonly string[];
  remove(): void;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function namespaceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'it needs root (ip netns)';
  for (const tool of ['ip', 'nft']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      return `it needs ${tool} (apt-get install -y iproute2 nftables)`;
    }
  }
  return undefined;
}

const run = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'pipe' });

export function createNatNamespace(): NatNamespace {
  const id = process.pid % 10_000;
  // Not a private range: libp2p's DCUtR dials only addresses it takes for public, as the far
  // side of a real NAT is. The /30 lives only on this veth pair.
  const subnet = `11.213.${process.pid % 250}`;
  const name = `idlegrid-nat-${id}`;
  const hostEnd = `ign${id}h`;
  const nodeEnd = `ign${id}n`;
  const inside = (...args: string[]) => run('ip', 'netns', 'exec', name, ...args);
  // One left by a run that was killed before it could clean up (same pid, so the same name).
  if (execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(name))
    run('ip', 'netns', 'del', name);
  run('ip', 'netns', 'add', name);
  try {
    run('ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nodeEnd);
    run('ip', 'link', 'set', nodeEnd, 'netns', name);
    run('ip', 'addr', 'add', `${subnet}.1/30`, 'dev', hostEnd);
    run('ip', 'link', 'set', hostEnd, 'up');
    inside('ip', 'addr', 'add', `${subnet}.2/30`, 'dev', nodeEnd);
    inside('ip', 'link', 'set', nodeEnd, 'up');
    inside('ip', 'link', 'set', 'lo', 'up');
    inside('ip', 'route', 'add', 'default', 'via', `${subnet}.1`);
    // The NAT's rule: replies come in, new connections from outside do not.
    inside('nft', 'add', 'table', 'inet', 'nat');
    inside(
      'nft',
      'add',
      'chain',
      'inet',
      'nat',
      'input',
      '{ type filter hook input priority 0; policy accept; }',
    );
    inside('nft', 'add', 'rule', 'inet', 'nat', 'input', 'iif', 'lo', 'accept');
    inside('nft', 'add', 'rule', 'inet', 'nat', 'input', 'ct', 'state', 'new', 'drop');
  } catch (error) {
    run('ip', 'netns', 'del', name);
    throw error;
  }
  return {
    name,
    gateway: `${subnet}.1`,
    inside: `${subnet}.2`,
    exec: ['ip', 'netns', 'exec', name],
    remove() {
      // Whatever still runs inside goes with it; deleting the namespace deletes the veth pair.
      try {
        const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
          .split(/\s+/)
          .filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // none left
      }
      run('ip', 'netns', 'del', name);
    },
  };
}
