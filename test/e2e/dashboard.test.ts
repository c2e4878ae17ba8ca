import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fleetReadings, simulatedFleet } from '@idlegrid/node';
import { localAccount, signReading } from '@idlegrid/protocol';
import { loadPrivateKey, pushReadings, registerDevice, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import { eraseArtifact, runPrivateJob, sealArtifact, waitForErasure } from '@idlegrid/sdk/privacy';
import { type Browser, chromium, type Page } from 'playwright-core';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../support/chromium.js';
import { runCli, runFederatedCli } from './cli-harness.js';
import { killPid, pidOf, startNet, type TestNet } from './localnet-harness.js';

/**
 * The dashboard in a real browser (the Chromium that support/chromium.ts finds; .ci/run installs
 * Debian's, and without one the run says why these tests were skipped) against a real
 * local network of processes: every page shows the network's own data, a job submitted
 * from the Wallet page appears live on the Jobs page and is paid, and a killed provider
 * turns offline. Each page's screenshot is saved (see SCREENSHOTS; the README shows one).
 */

const CHROMIUM = findChromium().path;
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Where the screenshots go: test-results/ (ignored by git) unless SCREENSHOT_DIR says otherwise;
 * `SCREENSHOT_DIR=docs/screenshots` refreshes the ones the README shows. */
const SCREENSHOTS = resolve(
  process.env.SCREENSHOT_DIR ?? join(import.meta.dirname, '..', '..', 'test-results', 'screenshots'),
);
const PRIMES = join(
  import.meta.dirname,
  '..',
  '..',
  'packages',
  'node',
  'examples',
  'wasm',
  'build',
  'primes.wasm',
);
const LAPTOP = { width: 1366, height: 800 };

let net: TestNet;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function open(hash: string): Promise<void> {
  await page.goto(`${net.coordinatorUrl}/#/${hash}`);
}

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(CHROMIUM === undefined)('dashboard', () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    [net, browser] = await Promise.all([
      // Each provider with a shard of MNIST, for the Federated page.
      startNet(3, ['--fl-data', 'mnist']),
      chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_FLAGS }),
    ]);
    page = await browser.newPage({ viewport: LAPTOP, colorScheme: 'light' });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // One job through the SDK, so the network has history before any page opens.
    const job = await submitWasmJob(net.ctx, {
      module: new Uint8Array(await readFile(PRIMES)),
      args: ['50000'],
      maxPrice: 10n ** 18n,
      deadlineSeconds: 120,
      memoryMb: 64,
      cpuCores: 1,
    });
    expect((await waitForJob(net.ctx, job.id, { timeoutMs: 60_000 })).state).toBe('accepted');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
  }, 90_000);

  it('serves the dashboard at / and shows the live network', async () => {
    await open('network');
    await expect
      .poll(() => page.getByTestId('providers-online').textContent(), { timeout: 20_000 })
      .toBe('3 / 3');
    await expect.poll(() => page.getByTestId('map-provider').count()).toBe(3);
    expect(await page.locator('[data-testid=map-provider][data-online=true]').count()).toBe(3);
    expect(Number(await page.getByTestId('jobs-accepted').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole('img', { name: /jobs accepted per second/i }).count()).toBe(1);
    // One coordinator: the mesh panel (from /v1/network) knows of no other.
    await expect
      .poll(() => page.getByTestId('mesh').textContent())
      .toContain('This coordinator and 0 others');
    await shoot('network');
  });

  it('lists every provider with its hardware, stake and state', async () => {
    await open('providers');
    const rows = page.getByTestId('provider-row');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    for (const provider of net.providers) {
      const row = page.locator(`[data-testid=provider-row][data-address="${provider.address}"]`);
      expect(await row.getByTestId('provider-state').textContent()).toBe('online');
      // Localnet providers stake 500 GRID each; the table reads it from the coordinator's chain view.
      expect(await row.textContent()).toContain('500 GRID');
      expect(await row.textContent()).toContain('wasm');
      // Models by name, not by CID (which pushed the other columns off screen); an always-on
      // provider is available now, not within a window of dates.
      expect(await row.textContent()).toContain('pp-ocrv4 (onnx)');
      expect(await row.textContent()).not.toContain('bagaaiera');
      expect(await row.textContent()).toContain('now, while online');
    }
    await shoot('providers');

    const first = net.providers[0]!;
    await page.getByRole('link', { name: `${first.address.slice(0, 6)}…${first.address.slice(-4)}` }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(first.address);
    // The heading comes from the route; the charts wait for the provider's data.
    await expect.poll(() => page.getByRole('img', { name: /CPU load/ }).count()).toBe(1);
  });

  it('submits a job from the Wallet page, shows it live on the Jobs page, and pays for it', async () => {
    // The Jobs page is open before the job exists: it must appear there without a reload.
    const jobsPage = await browser.newPage({ viewport: LAPTOP });
    // Until the list arrives the page says it is loading, not that there are no jobs.
    let releaseList = () => {};
    const listHeld = new Promise<void>((resolve) => {
      releaseList = resolve;
    });
    await jobsPage.route(/\/v1\/jobs\?limit=/, async (route) => {
      await listHeld;
      await route.continue();
    });
    await jobsPage.goto(`${net.coordinatorUrl}/#/jobs`);
    await expect
      .poll(() => jobsPage.getByTestId('jobs-empty').textContent(), { timeout: 20_000 })
      .toBe('Loading jobs…');
    releaseList();
    await expect.poll(() => jobsPage.getByText('Live: changes appear').count(), { timeout: 20_000 }).toBe(1);
    // The list is read once the stream is open; the job run before this test is in it.
    const rows = jobsPage.getByTestId('job-row');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(1);
    const rowsBefore = await rows.count();

    await open('wallet');
    await page.getByLabel('Private key').fill(await loadPrivateKey(net.dataDir, 'client'));
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('wallet-address').textContent()).toBe(net.ctx.signer.address);
    await page.getByLabel('WASI module (.wasm)').setInputFiles(PRIMES);
    await page.getByLabel('Arguments (split on spaces)').fill('100000');
    await page.getByLabel('Verification').selectOption('sample:1');
    await page.getByRole('button', { name: 'Submit job' }).click();
    // 9592 primes are below 100,000: the real module ran on a real provider.
    await expect
      .poll(() => page.getByTestId('wallet-stdout').textContent(), { timeout: 60_000 })
      .toBe('9592\n');
    await expect.poll(() => page.getByTestId('wallet-paid').count(), { timeout: 30_000 }).toBe(1);
    const jobId = await page.getByTestId('wallet-job').getAttribute('data-job-id');
    expect(jobId).toMatch(/^0x[0-9a-f]{64}$/);
    await expect
      .poll(() => page.getByTestId('wallet-job-state').textContent(), { timeout: 20_000 })
      .toBe('settled');
    await shoot('wallet');

    const row = jobsPage.locator(`[data-testid=job-row][data-job-id="${jobId}"]`);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('settled');
    expect(await rows.count()).toBe(rowsBefore + 1);
    await expect
      .poll(() => row.getByTestId('job-verification').textContent(), { timeout: 10_000 })
      .toMatch(/^sample[:(]1\)?: 2 runs/);
    const listedVerification = await row.getByTestId('job-verification').textContent();
    await jobsPage.screenshot({ path: join(SCREENSHOTS, 'jobs.png'), fullPage: true });
    await jobsPage.close();

    await open(`jobs/${jobId}`);
    await expect.poll(() => page.getByTestId('job-state').textContent(), { timeout: 10_000 }).toBe('settled');
    // The events are read apart from the job: wait for the last one.
    const timeline = page.getByTestId('job-timeline');
    await expect.poll(() => timeline.textContent()).toContain('settled');
    for (const state of ['submitted', 'matched', 'accepted'])
      expect(await timeline.textContent()).toContain(state);
    // Amounts in GRID, never in base units; the same verification label as the list's.
    expect(await timeline.textContent()).not.toMatch(/"\d{12,}"/);
    expect(await page.getByTestId('job-verification').textContent()).toBe(listedVerification);
    // The scheduler's decision, term by term, with the chosen provider first.
    const breakdown = page.getByTestId('score-breakdown');
    await expect.poll(() => breakdown.locator('tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await breakdown.locator('tbody tr').first().textContent()).toContain('(chosen)');
    await shoot('job-detail');
  });

  it('marks a private job, and shows the signed erasure receipts of its input', async () => {
    const key = await loadPrivateKey(net.dataDir, 'client');
    const owner = { coordinator: net.ctx.coordinator, signer: localAccount(key), domain: net.ctx.domain };
    // Larger than what travels with an assignment: its provider caches a copy, and must erase it.
    const input = await sealArtifact(owner, new Uint8Array(100 * 1024).fill(7));
    const { job } = await runPrivateJob(
      owner,
      {
        module: new Uint8Array(await readFile(PRIMES)),
        args: ['100'],
        stdin: input.cid,
        maxPrice: 10n ** 18n,
        deadlineSeconds: 120,
        memoryMb: 64,
        cpuCores: 1,
        verification: 'none',
      },
      key,
      { timeoutMs: 60_000 },
    );
    expect(job.state).toBe('accepted');
    await eraseArtifact(owner, input.cid);
    await waitForErasure(owner, input.cid, { timeoutMs: 30_000 });
    await open('jobs');
    await expect
      .poll(() => page.locator(`[data-job-id="${job.id}"] [data-testid="job-private"]`).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await open(`jobs/${job.id}`);
    await page.getByTestId('erasure-receipts').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('job-privacy').textContent()).toMatch(/^Private/);
    expect(await page.locator('[data-testid="erasure-receipts"] li[data-confirmed="true"]').count()).toBe(1);
    await shoot('private-job');
  });

  it('shows balances, stakes, vouchers and events read from the chain', async () => {
    await open('ledger');
    const accounts = page.getByTestId('ledger-accounts');
    await expect
      .poll(() => accounts.locator('tbody tr').count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(5);
    // Roles come from /v1/providers and /v1/network, read apart from the ledger.
    for (const provider of net.providers) {
      const row = accounts.locator(`tr[data-address="${provider.address}"]`);
      await expect.poll(() => row.textContent()).toContain('provider');
    }
    const client = accounts.locator(`tr[data-address="${net.ctx.signer.address}"]`);
    expect(await client.textContent()).toContain('client');
    // The job submitted from the Wallet page was paid by voucher: its channel is listed.
    await expect
      .poll(() => page.getByTestId('ledger-vouchers').locator('tbody tr').count())
      .toBeGreaterThanOrEqual(1);
    const events = await page.getByTestId('ledger-events').textContent();
    expect(events).toContain('Staked');
    expect(events).toContain('Deposited');
    await shoot('ledger');
  });

  it('shows the governed parameters, and a proposal with its forecast', async () => {
    const proposed = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'gov',
      'propose',
      '--param',
      'protocol-fee',
      '--value',
      '200',
      '--description',
      'Fund audits.',
    ]);
    expect(proposed.code, proposed.stderr).toBe(0);
    await open('governance');
    await expect.poll(() => page.getByTestId('governed-parameters').textContent()).toContain('1.00%');
    const proposal = page.getByTestId('proposal');
    await expect.poll(() => proposal.count()).toBe(1);
    const text = await proposal.textContent();
    expect(text).toContain('Set protocol-fee to 200 (now 100)');
    expect(text).toContain('matching its hash');
    expect(text).toContain('provider earnings per job');
    await shoot('governance');
  });

  it('shows what the integrity detectors suspect, or that they suspect nothing', async () => {
    await open('integrity');
    await expect.poll(() => page.getByRole('heading', { name: 'Sybil clusters' }).count()).toBe(1);
    const sybilFindings = page.locator('[data-testid="sybil-none"], [data-testid="sybil-cluster"]');
    await expect.poll(() => sybilFindings.count()).toBeGreaterThan(0);
    const collusionFindings = page.locator(
      '[data-testid="collusion-none"], [data-testid="collusion-ring"], [data-testid="wash-trader"]',
    );
    await expect.poll(() => collusionFindings.count()).toBeGreaterThan(0);
    await shoot('integrity');
  });

  it("shows a federated run: its rounds, participants, the client's accuracy curve", async () => {
    const ran = await runFederatedCli(net.dataDir, ['--rounds', '3']);
    expect(ran.code, ran.stderr).toBe(0);
    const { id } = ran.json as { id: string };
    await open('federated');
    await page.getByRole('link', { name: `${id.slice(0, 10)}…` }).click();
    const rounds = page.getByTestId('fl-rounds');
    await expect.poll(() => rounds.locator('tbody tr').count(), { timeout: 20_000 }).toBe(3);
    // The accuracy the client measured on its own test digits, sent with each round's payment.
    expect(await rounds.locator('tbody tr').last().textContent()).toMatch(/\d+\.\d%/);
    await expect.poll(() => page.getByRole('img', { name: /Accuracy of the global model/ }).count()).toBe(1);
    await expect.poll(() => page.locator('.map circle').count()).toBeGreaterThanOrEqual(1);
    await shoot('federated');
  }, 150_000);

  it("shows a feed: its cells on the map, each device's reputation and why its latest reading was or was not paid", async () => {
    const fleet = simulatedFleet({ devices: 8, faultShare: 0.25, seed: 11 });
    const owner = localAccount(generatePrivateKey());
    for (const device of fleet) await registerDevice({ ...net.ctx, signer: owner }, device.key, device.kind);
    const keyOf = new Map(fleet.map((d) => [d.address, d.key]));
    const from = Date.now() - 7 * 3_600_000;
    await pushReadings(
      net.ctx,
      'weather',
      [...fleetReadings(fleet, { from, hours: 6, faultsAfterHours: 3 })].map(({ reading }) =>
        signReading(reading, keyOf.get(reading.device)!),
      ),
    );
    await open('feeds');
    await expect
      .poll(() => page.getByTestId('feeds').locator('tbody tr').count(), { timeout: 30_000 })
      .toBe(1);
    await page.getByRole('link', { name: 'weather' }).click();
    const rows = page.getByTestId('feed-device');
    // Readings are scored ten seconds after they arrive.
    await expect.poll(() => rows.count(), { timeout: 40_000 }).toBe(8);
    const stuck = fleet.find((d) => d.fault === 'stuck')!;
    await expect
      .poll(() => page.locator(`[data-testid=feed-device][data-address="${stuck.address}"]`).textContent())
      .toMatch(/not paid: the same values for \d+ readings in a row/);
    expect(await page.getByTestId('map-cell').count()).toBeGreaterThanOrEqual(1);
    await shoot('feeds');
  }, 90_000);

  it('reads in dark mode too', async () => {
    await open('network');
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await expect
      .poll(() => page.getByTestId('providers-online').textContent(), { timeout: 10_000 })
      .toBe('3 / 3');
    await shoot('network-dark');
    await page.getByRole('button', { name: 'Switch to light mode' }).click();
  });

  it('can be used from the keyboard', async () => {
    // A fresh page, brought to the front: focus starts at the top of its document.
    const fresh = await browser.newPage({ viewport: LAPTOP });
    await fresh.goto(`${net.coordinatorUrl}/#/network`);
    await fresh.bringToFront();
    // By evaluation, not `:focus`: that matches only while the window itself has focus.
    const focused = (what: 'textContent' | 'id') =>
      fresh.evaluate<string | null>(`document.activeElement && document.activeElement.${what}`);
    // Tab only once the app has rendered: pressed earlier, it finds an empty document.
    await fresh.getByText('Skip to content').waitFor({ state: 'attached' });
    await fresh.keyboard.press('Tab');
    expect(await focused('textContent')).toBe('Skip to content');
    await fresh.keyboard.press('Enter');
    expect(await focused('id')).toBe('main');
    await fresh.keyboard.press('Shift+Tab');
    await fresh.keyboard.press('Shift+Tab');
    expect(await focused('textContent')).toBe('Wallet');
    // Back past Integrity, Governance, Ledger, Feeds and Federated.
    for (let i = 0; i < 6; i++) await fresh.keyboard.press('Shift+Tab');
    expect(await focused('textContent')).toBe('Jobs');
    await fresh.keyboard.press('Enter');
    await expect.poll(() => fresh.url()).toMatch(/#\/jobs$/);
    await fresh.close();
  });

  it("keeps each provider's heartbeat telemetry", async () => {
    const first = net.providers[0]!;
    await open(`providers/${first.address}`);
    // Heartbeats come every 5 s; by now the history holds several, drawn as one line.
    const cpuLine = page
      .getByRole('img', { name: /CPU load/ })
      .locator('polyline')
      .first();
    await expect
      .poll(async () => (await cpuLine.getAttribute('points'))?.split(' ').length ?? 0, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(3);
    // Its drop-out risk, in words, as `idlegrid provider status` says it.
    expect(await page.getByTestId('provider-risk').textContent()).toMatch(
      /^drop-out risk [0-9.]+% within the hour, usual [0-9.]+%: steady$/,
    );
    await shoot('provider-detail');
  }, 30_000);

  it('shows a killed provider as offline', async () => {
    const victim = net.providers[2]!;
    killPid(await pidOf(net.dataDir, `--name ${victim.name} `), 'SIGKILL');
    await open('providers');
    const state = page
      .locator(`[data-testid=provider-row][data-address="${victim.address}"]`)
      .getByTestId('provider-state');
    // Offline once the coordinator's liveness window (its lease, 15 s) passes without a heartbeat.
    await expect.poll(() => state.textContent(), { timeout: 45_000, interval: 1_000 }).toBe('offline');
    await open('network');
    await expect
      .poll(() => page.getByTestId('providers-online').textContent(), { timeout: 10_000 })
      .toBe('2 / 3');
    // The map reads /v1/providers, apart from the counts.
    await expect.poll(() => page.locator('[data-testid=map-provider][data-online=false]').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
