import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Running, not a zombie: an orphan's zombie lingers where nothing reaps it (a container's pid 1). */
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

// A parent process that starts anvil, prints its pid, then idles until it is killed.
const PARENT = `
import { startAnvil } from '@idlegrid/contracts';
const anvil = await startAnvil();
process.stdout.write(anvil.process.pid + '\\n');
setInterval(() => {}, 1 << 30);
`;

describe.runIf(process.platform === 'linux')('anvil tied to its parent', () => {
  it('ends when the process that started it is killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, ['--input-type=module', '-e', PARENT], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const anvilPid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString(), 10)));
      parent.once('exit', (code) => reject(new Error(`parent exited with ${code}`)));
    });
    expect(isAlive(anvilPid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(anvilPid), 10_000)).toBe(true);
  }, 30_000);
});
