import { existsSync } from 'node:fs';

/** Where a Chromium or Chrome usually lives; `CHROMIUM_PATH` comes first. */
const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export type ChromiumLookup = { path: string } | { path?: undefined; why: string };

/**
 * Finds the browser the UI tests drive. A `CHROMIUM_PATH` that does not exist is an error,
 * not a fallback: the user asked for that browser.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const asked = env.CHROMIUM_PATH;
  if (asked) {
    return existsSync(asked) ? { path: asked } : { why: `CHROMIUM_PATH=${asked} does not exist` };
  }
  const found = CANDIDATES.find((candidate) => existsSync(candidate));
  return found
    ? { path: found }
    : { why: `no Chromium or Chrome found (looked in ${CANDIDATES.join(', ')})` };
}

/** CI must run the browser tests: there a missing browser fails the run instead of skipping. */
export function browserTestsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1' || env.REQUIRE_BROWSER_TESTS === '1';
}

export function skippedBrowserNotice(why: string): string {
  return [
    `Browser tests skipped: ${why}.`,
    'To run them, install Chromium (Debian/Ubuntu: sudo apt-get install -y chromium)',
    'or point CHROMIUM_PATH at a Chromium or Chrome binary. CI (CI=true) requires them.',
  ].join('\n');
}
