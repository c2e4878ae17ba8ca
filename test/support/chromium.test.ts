import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserTestsRequired, findChromium, skippedBrowserNotice } from './chromium.js';

describe('findChromium', () => {
  it('takes CHROMIUM_PATH when it exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chromium-'));
    const binary = join(dir, 'my-chrome');
    await writeFile(binary, '');
    expect(findChromium({ CHROMIUM_PATH: binary })).toEqual({ path: binary });
    await rm(dir, { recursive: true });
  });

  it('refuses a CHROMIUM_PATH that does not exist instead of falling back', () => {
    const lookup = findChromium({ CHROMIUM_PATH: '/nowhere/chromium' });
    expect(lookup.path).toBeUndefined();
    expect('why' in lookup && lookup.why).toContain('/nowhere/chromium');
  });

  it('requires the browser tests in CI only', () => {
    expect(browserTestsRequired({ CI: 'true' })).toBe(true);
    expect(browserTestsRequired({})).toBe(false);
    expect(browserTestsRequired({ CI: 'false' })).toBe(false);
  });

  it('tells how to make skipped browser tests run', () => {
    const notice = skippedBrowserNotice('no Chromium');
    expect(notice).toContain('apt-get install -y chromium');
    expect(notice).toContain('CHROMIUM_PATH');
  });
});
