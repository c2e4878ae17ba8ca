import { describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES, mallocTuned, withTunedMalloc } from './malloc-tuning.js';

describe('malloc tuning', () => {
  it('adds the tunables to an environment without any', () => {
    const env = withTunedMalloc({ PATH: '/bin' });
    expect(env).toEqual({ PATH: '/bin', GLIBC_TUNABLES: MALLOC_TUNABLES });
    expect(mallocTuned(env)).toBe(true);
    expect(mallocTuned({ PATH: '/bin' })).toBe(false);
  });

  it("keeps the user's own tunables, and their value where both set one", () => {
    const env = withTunedMalloc({
      GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072:glibc.pthread.rseq=0',
    });
    expect(env.GLIBC_TUNABLES).toBe(
      'glibc.malloc.mmap_threshold=131072:glibc.pthread.rseq=0:glibc.malloc.trim_threshold=262144',
    );
  });
});
