/**
 * glibc's allocator settings for a long-running node, in GLIBC_TUNABLES form. By default glibc
 * serves allocations of up to 32 MiB from its main heap once a few large blocks were freed, and
 * a busy coordinator frees large blocks all the time (socket reads, message buffers). The few
 * small allocations that stay alive between them keep the freed memory from going back to the
 * system: after 5 minutes at 100 jobs/s a coordinator's heap held 259 MB for 29 MB in use, and
 * its RSS grew by 67% in a 10-minute soak. Blocks of 64 KiB and more mapped on their own go back
 * when freed. glibc reads this only when a process starts, so it goes into the environment of
 * the nodes we spawn (`childNodeEnv`); operators who start a coordinator themselves set it too
 * (README, Configuration). Other C libraries ignore it.
 */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=262144';

/** `env` with MALLOC_TUNABLES added to GLIBC_TUNABLES, keeping any tunable already set there. */
export function withTunedMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const current = env.GLIBC_TUNABLES ? env.GLIBC_TUNABLES.split(':') : [];
  const named = new Set(current.map((setting) => setting.split('=')[0]));
  const added = MALLOC_TUNABLES.split(':').filter((setting) => !named.has(setting.split('=')[0]));
  return { ...env, GLIBC_TUNABLES: [...current, ...added].join(':') };
}

/** Whether this process started with glibc's mmap threshold set (as MALLOC_TUNABLES sets it, or otherwise). */
export function mallocTuned(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.GLIBC_TUNABLES ?? '')
    .split(':')
    .some((setting) => setting.startsWith('glibc.malloc.mmap_threshold='));
}
