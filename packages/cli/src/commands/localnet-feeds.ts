import { localAccount, signReading } from '@idlegrid/protocol';
import type { JobsContext } from '@idlegrid/sdk';
import { keccak256, toHex } from 'viem';
import { formatTokens, table } from '../format.js';
import type { Output } from '../output.js';

const FEED = 'weather';
const HOURS = 8;
/** Each device's owner is paid this per rewarded reading, from a budget the demo's client funds. */
const PRICE = 10n ** 15n;

interface ListedDevice {
  device: string;
  reputation: number;
  scored: number;
  rewardable: number;
}

/**
 * The demo's feed part (`localnet --devices N`): simulated weather stations, one in four faulty
 * (stuck, spiking, drifting, spoofing its place, copying a neighbour), push the signed readings
 * of the last hours; the client funds the feed; the coordinator scores every reading with its
 * reasons; the client pays the owners for the readings that passed, and runs a report over them
 * as a paid job.
 */
export async function feedsDemo(ctx: JobsContext, out: Output, devices: number) {
  const node = await import('@idlegrid/node');
  const sdk = await import('@idlegrid/sdk');
  const fleet = node.simulatedFleet({ devices, faultShare: 0.25, seed: 7 });
  out.step(`feeds: ${devices} weather stations (one in four faulty) push ${HOURS} hours of signed readings`);
  const owners = fleet.map((_, i) =>
    localAccount(keccak256(toHex(`idlegrid localnet device owner ${i % 4}`))),
  );
  for (const [i, device] of fleet.entries())
    await sdk.registerDevice({ ...ctx, signer: owners[i]! }, device.key, device.kind);
  const from = BigInt(Math.floor(Date.now() / 1_000) - (HOURS + 1) * 3_600);
  const funding = await sdk.fundFeed(ctx, {
    feed: FEED,
    pricePerReading: PRICE,
    budget: PRICE * 100_000n,
    from,
  });
  const keyOf = new Map(fleet.map((d) => [d.address, d.key]));
  const signed = [
    ...node.fleetReadings(fleet, { from: Number(from) * 1_000, hours: HOURS, faultsAfterHours: 4 }),
  ].map(({ reading }) => signReading(reading, keyOf.get(reading.device)!));
  for (let at = 0; at < signed.length; at += 1_000)
    await sdk.pushReadings(ctx, FEED, signed.slice(at, at + 1_000));

  // The coordinator scores readings about ten seconds after they arrive.
  let listed: ListedDevice[] = [];
  for (let waited = 0; waited < 60_000; waited += 1_000) {
    listed = ((await ctx.coordinator.getJson(`/v1/feeds/${FEED}/devices`)) as { devices: ListedDevice[] })
      .devices;
    const scored = listed.reduce((sum, d) => sum + d.scored, 0);
    out.progress(scored, signed.length, 'readings scored');
    if (scored >= signed.length) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const { funding: paid } = await sdk.payFeedRewards(ctx, funding.id);
  const reasonOf = async (device: string) => {
    const { readings } = (await ctx.coordinator.getJson(
      `/v1/feeds/${FEED}/readings?device=${device}&limit=1`,
    )) as {
      readings: { quality?: { reason?: string } }[];
    };
    return readings[0]?.quality?.reason ?? '';
  };
  const rows = await Promise.all(
    fleet.map(async (device) => {
      const entry = listed.find((d) => d.device === device.address);
      return {
        device: device.address,
        fault: device.fault ?? 'sound',
        reputation: entry?.reputation ?? 0,
        rewarded: entry?.rewardable ?? 0,
        scored: entry?.scored ?? 0,
        lastReason: await reasonOf(device.address),
      };
    }),
  );
  // A report over the verified readings, run as a paid job on a provider.
  const until = Date.now();
  const { report: disagreement, cid } = await sdk.runFeedReport(ctx, {
    feed: FEED,
    quantity: 'temperature',
    kind: 'disagreement',
    threshold: 1,
    from: Number(from) * 1_000,
    until,
    module: await node.readExampleModule('feed-report'),
    maxPrice: 10n ** 17n,
  });
  const findings = disagreement.output.split('\n').filter(Boolean).length;
  const report = [
    '',
    table([
      ['station', 'truth', 'reputation', 'rewarded', 'why its last reading was not paid'],
      ...rows.map((r) => [
        r.device.slice(0, 10),
        r.fault,
        r.reputation.toFixed(2),
        `${r.rewarded} of ${r.scored}`,
        r.lastReason,
      ]),
    ]),
    `The client funded the feed at ${formatTokens(PRICE)} a rewarded reading and paid ${paid.owners.length} owners ${formatTokens(paid.spent)} by voucher (funding ${paid.id.slice(0, 10)}).`,
    `A report of where stations disagree by more than 1 °C ran as a paid job on ${disagreement.job.provider?.slice(0, 10) ?? '-'}: ${findings} hours found over ${disagreement.readings} verified readings (Merkle root ${disagreement.merkleRoot.slice(0, 18)}…), stored as ${cid.slice(0, 16)}….`,
    '',
  ].join('\n');
  return {
    result: {
      funding: paid.id,
      devices: rows,
      spent: paid.spent,
      report: { cid, findings, merkleRoot: disagreement.merkleRoot },
    },
    report,
  };
}
