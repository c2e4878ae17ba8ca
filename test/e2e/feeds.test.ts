import { fleetReadings, merkleRoot, readingLeaf, simulatedFleet } from '@idlegrid/node';
import { signReading } from '@idlegrid/protocol';
import { downloadArtifact, getBalances, loadKey, pushReadings, registerDevice } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { startNet, type TestNet, waitFor } from './localnet-harness.js';

const HOURS = 7;

describe('a feed bought and paid through the CLI, on a local network with a chain', () => {
  let net: TestNet;
  let fundingId: string;
  const fleet = simulatedFleet({ devices: 8, faultShare: 0.25, seed: 11 });
  const cli = async (...args: string[]) => {
    const ran = await runCli(['--data-dir', net.dataDir, '--json', ...args]);
    expect(ran.code, ran.stderr).toBe(0);
    return ran.json;
  };

  beforeAll(async () => {
    net = await startNet(1);
    await cli('wallet', 'new', '--name', 'owner');
    await cli('wallet', 'fund', '--name', 'owner', '--tokens', '0', '--eth', '1');
    const owner = await loadKey(net.dataDir, 'owner');
    for (const device of fleet) await registerDevice({ ...net.ctx, signer: owner }, device.key, device.kind);
    const from = new Date(Date.now() - (HOURS + 1) * 3_600_000);
    const funded = await cli(
      'feed',
      'fund',
      'weather',
      '--price',
      '0.001',
      '--budget',
      '100',
      '--from',
      from.toISOString(),
      '--hours',
      String(HOURS + 2),
    );
    fundingId = funded.funding.id;
    const keyOf = new Map(fleet.map((d) => [d.address, d.key]));
    const signed = [...fleetReadings(fleet, { from: from.getTime(), hours: HOURS, faultsAfterHours: 4 })].map(
      ({ reading }) => signReading(reading, keyOf.get(reading.device)!),
    );
    await pushReadings(net.ctx, 'weather', signed);
    await waitFor(
      async () => {
        const listed = await cli('feed', 'devices', 'weather');
        return (
          listed.devices.reduce((sum: number, d: { scored: number }) => sum + d.scored, 0) === signed.length
        );
      },
      60_000,
      'the readings to be scored',
    );
  }, 240_000);
  afterAll(() => net?.stop(), 60_000);

  it("lists the feed's devices and each reading's score, with the reason of those not paid", async () => {
    const { devices } = await cli('feed', 'devices', 'weather');
    expect(devices).toHaveLength(8);
    const stuck = fleet.find((d) => d.fault === 'stuck')!;
    const { readings } = await cli('feed', 'readings', 'weather', '--device', stuck.address, '--limit', '5');
    expect(readings).toHaveLength(5);
    for (const reading of readings) {
      expect(reading.quality.rewardable).toBe(false);
      expect(reading.quality.reason).toMatch(/the same values for \d+ readings in a row/);
    }
  });

  it('pays the owner by voucher for the rewarded readings, and the owner redeems it on chain', async () => {
    const { devices } = await cli('feed', 'devices', 'weather');
    const rewarded = devices.reduce((sum: number, d: { rewardable: number }) => sum + d.rewardable, 0);
    const paid = await cli('feed', 'pay', fundingId);
    expect(paid.vouchers).toBe(1);
    expect(BigInt(paid.funding.spent)).toBe(BigInt(rewarded) * 10n ** 15n);
    const owner = await loadKey(net.dataDir, 'owner');
    const before = (await getBalances(net.chain, owner.address)).tokens;
    const redeemed = await cli('feed', 'rewards', '--owner', 'owner', '--redeem');
    expect(redeemed.rewards[0]).toMatchObject({ readings: rewarded, paid: paid.funding.spent });
    expect(redeemed.redeemed).toMatch(/^0x[0-9a-f]{64}$/);
    const after = (await getBalances(net.chain, owner.address)).tokens;
    // The owner receives what it earned, less the protocol fee.
    expect(after - before).toBeGreaterThan(0n);
    expect(after - before).toBeLessThanOrEqual(BigInt(paid.funding.spent));
  });

  it('runs a report as a paid job over the verified readings, and commits to them by a Merkle root', async () => {
    const ran = await cli(
      'feed',
      'report',
      'weather',
      '--kind',
      'disagreement',
      '--quantity',
      'temperature',
      '--threshold',
      '1',
      '--hours',
      String(HOURS + 2),
    );
    const { report, cid } = ran;
    expect(cid).toMatch(/^baf/);
    const { devices } = await cli('feed', 'devices', 'weather');
    const rewarded = devices.reduce((sum: number, d: { rewardable: number }) => sum + d.rewardable, 0);
    expect(report.readings).toBe(rewarded);
    // Anyone who can read the feed rebuilds the root from the readings the report names.
    const leaves: `0x${string}`[] = [];
    for (const device of fleet) {
      const { readings } = await cli(
        'feed',
        'readings',
        'weather',
        '--device',
        device.address,
        '--limit',
        '1000',
      );
      for (const r of readings)
        if (r.quality?.rewardable)
          leaves.push(
            readingLeaf({ device: r.device, seq: r.seq, t: r.t, cell: r.cell, value: r.v.temperature }),
          );
    }
    expect(merkleRoot(leaves)).toBe(report.merkleRoot);
    const job = await cli('job', 'status', report.job.id);
    expect(job.state).toBe('settled');
    // The stored report is the one answered.
    const stored = JSON.parse(new TextDecoder().decode(await downloadArtifact(net.ctx, cid)));
    expect(stored.merkleRoot).toBe(report.merkleRoot);
  });
});
