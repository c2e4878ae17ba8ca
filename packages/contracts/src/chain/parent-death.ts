import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Wraps a command so that the kernel sends it `signal` when this process dies, however it
 * dies (SIGKILL included): util-linux's `setpriv --pdeathsig` sets PR_SET_PDEATHSIG, then
 * execs the command, so the child keeps the pid that spawn() reports. Used for binaries we
 * cannot teach to watch a pipe (anvil). Where setpriv is missing (macOS), the command runs
 * as it is and only a clean stop ends it.
 */
export function tiedToParent(
  command: string,
  args: readonly string[],
  signal: NodeJS.Signals = 'SIGINT',
): { command: string; args: string[] } {
  if (process.platform !== 'linux' || !existsSync(SETPRIV)) return { command, args: [...args] };
  return { command: SETPRIV, args: ['--pdeathsig', signal.replace(/^SIG/, ''), '--', command, ...args] };
}
