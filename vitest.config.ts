import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Chain tests spawn anvil processes; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
