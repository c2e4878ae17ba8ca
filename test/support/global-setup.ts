import { browserTestsRequired, findChromium, skippedBrowserNotice } from './chromium.js';

/**
 * Runs once per `vitest run`, before any test file: says once, for the whole run, why the
 * browser tests will not run, or fails at once where they must (CI).
 */
export default function setup(): void {
  const chromium = findChromium();
  if (chromium.path !== undefined) return;
  if (browserTestsRequired()) {
    throw new Error(`browser tests are required here (CI) but cannot run: ${chromium.why}`);
  }
  process.stderr.write(`\n${skippedBrowserNotice(chromium.why)}\n\n`);
}
