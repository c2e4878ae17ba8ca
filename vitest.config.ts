import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Says once why browser tests cannot run here (or fails the run in CI, where they must).
    globalSetup: ['./test/support/global-setup.ts'],
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Chain tests spawn anvil processes; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
