import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';

const SCRATCH_DIR = 'scratch';

/** A run's private directory: `scratch/` is the task's only preopen; the rest is the runner's. */
export interface RunDirectory {
  root: string;
  scratchDir: string;
}

/**
 * Private run directories, recycled: a task that leaves its scratch directory empty (most do)
 * gives it back for the next run, which saves creating and removing two directories per run,
 * the costliest part of a short run's setup. A directory with anything left in it is removed,
 * so no run ever sees what another left. Spare directories wait in a `.spare-XXXXXX` folder of
 * this instance's own inside PARENT, so the other directories in PARENT are exactly the runs in
 * progress. Synchronous calls: a few metadata syscalls cost less than a thread-pool round trip.
 */
export class RunDirectories {
  readonly #spare: string[] = [];
  #spareDir: string | undefined;

  constructor(
    private readonly parent = tmpdir(),
    private readonly maxSpare = 16,
  ) {}

  take(): RunDirectory {
    const spare = this.#spare.pop();
    if (spare) {
      const root = join(this.parent, basename(spare));
      try {
        renameSync(spare, root);
        return { root, scratchDir: join(root, SCRATCH_DIR) };
      } catch {
        // Removed from outside (a cleanup of the parent): make a fresh one.
      }
    }
    const root = mkdtempSync(join(this.parent, 'idlegrid-wasm-'));
    const scratchDir = join(root, SCRATCH_DIR);
    mkdirSync(scratchDir, { mode: 0o700 });
    return { root, scratchDir };
  }

  /**
   * Gives the directory back after a run. `clean` says the worker closed the task's descriptors
   * (a normal exit or trap); otherwise descriptors into it may be open and are closed first.
   */
  async release(directory: RunDirectory, clean: boolean): Promise<void> {
    if (!clean) closeLeakedDescriptors(directory.root);
    if (clean && this.#spare.length < this.maxSpare && isEmpty(directory.scratchDir)) {
      this.#spareDir ??= mkdtempSync(join(this.parent, '.spare-'));
      const spare = join(this.#spareDir, basename(directory.root));
      renameSync(directory.root, spare);
      this.#spare.push(spare);
      return;
    }
    try {
      rmdirSync(directory.scratchDir);
      rmdirSync(directory.root);
    } catch {
      await rm(directory.root, { recursive: true, force: true });
    }
  }

  /** Removes the spare directories (when the executor closes). */
  clear(): void {
    this.#spare.splice(0);
    if (this.#spareDir) rmSync(this.#spareDir, { recursive: true, force: true });
    this.#spareDir = undefined;
  }
}

function isEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

/**
 * A terminated worker never closes what uvwasi opened for it (the preopen, files the module left
 * open). On Linux, close every descriptor that still points into this run's private directory; the
 * worker has exited, so nothing else owns them. Elsewhere they stay open until the process exits.
 */
function closeLeakedDescriptors(root: string): void {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === root || target.startsWith(root + sep)) closeSync(Number(fd));
    } catch {
      // closed meanwhile, or not a link
    }
  }
}
