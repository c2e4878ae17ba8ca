import { localAccount, type Reading, signReading } from '@idlegrid/protocol';
import { pushReadings, registerDevice } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { startNetwork } from './local-network.js';
import { machineLine, markdownTable } from './report.js';

const DEVICES = 100;
const READINGS_PER_DEVICE = 300;
const BATCH = 1_000;

/**
 * How many signed readings one coordinator takes a second (`npm run bench:feeds`): 100 devices,
 * their readings signed beforehand (signing is the devices' work, not the coordinator's), pushed
 * in batches of 1,000 by 1, 2 and 4 concurrent senders. Each reading is parsed, its signature
 * recovered, its device and sequence checked, and it is stored.
 */
export async function runFeedsBenchmark(): Promise<string> {
  const net = await startNetwork(0);
  try {
    const owner = localAccount(generatePrivateKey());
    const keys = Array.from({ length: DEVICES }, () => generatePrivateKey());
    for (const key of keys)
      await registerDevice(
        { coordinator: net.ctx.coordinator, signer: owner, domain: net.ctx.domain },
        key,
        'weather-station',
      );
    const rows: string[][] = [];
    let seq = 0;
    for (const senders of [1, 2, 4]) {
      // Fresh readings each round: sequence numbers must grow.
      const signed: ReturnType<typeof signReading>[] = [];
      const base = ++seq * 1_000_000;
      for (let i = 0; i < READINGS_PER_DEVICE; i++) {
        for (const key of keys) {
          const reading: Reading = {
            device: localAccount(key).address,
            feed: 'weather',
            t: Date.now(),
            cell: 'u4pru',
            v: { temperature: 15 + Math.random() * 10, humidity: Math.random() },
            seq: base + i,
          };
          signed.push(signReading(reading, key));
        }
      }
      // Each sender pushes its own devices' readings, in order: a device's sequence only grows.
      const lanes = Array.from({ length: senders }, (_, lane) =>
        signed.filter((_, index) => (index % DEVICES) % senders === lane),
      );
      let accepted = 0;
      let firstRefusal: unknown;
      const t0 = performance.now();
      await Promise.all(
        lanes.map(async (lane) => {
          for (let at = 0; at < lane.length; at += BATCH) {
            const answer = await pushReadings(net.ctx, 'weather', lane.slice(at, at + BATCH));
            accepted += answer.accepted;
            firstRefusal ??= answer.results.find((result) => 'error' in result);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      if (accepted !== signed.length)
        throw new Error(
          `${signed.length - accepted} readings refused, the first: ${JSON.stringify(firstRefusal)}`,
        );
      rows.push([String(senders), String(signed.length), (signed.length / seconds).toFixed(0)]);
      console.log(`feeds: ${senders} sender(s): ${(signed.length / seconds).toFixed(0)} readings/s`);
    }
    return [
      '## Device feeds: signed readings ingested',
      '',
      machineLine(),
      '',
      `One coordinator (its own process, SQLite), ${DEVICES} registered devices, ${READINGS_PER_DEVICE * DEVICES} readings signed beforehand, pushed in batches of ${BATCH} over HTTP on 127.0.0.1. Each reading is parsed, its EIP-191 signature recovered (native libsecp256k1), its device, feed, date and sequence checked, and stored; a batch's good readings share one commit. Target (issue 21): 20,000 a second with scoring, which is not built yet.`,
      '',
      markdownTable(['concurrent senders', 'readings', 'readings/s'], rows),
    ].join('\n');
  } finally {
    await net.stop();
  }
}
