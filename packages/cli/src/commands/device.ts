import { createInterface } from 'node:readline';
import { IdlegridError, networkDomain, type Reading } from '@idlegrid/protocol';
import {
  loadKey,
  loadOrCreateKey,
  loadPrivateKey,
  pushReadings,
  readNetworkConfig,
  registerDevice,
  sequenceSource,
} from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { COORDINATOR_HELP, collectUrls, coordinatorClient } from '../coordinator-url.js';

interface DeviceFlags {
  name: string;
  coordinator?: string[];
}

/** One reading's values: a JSON object of numbers, like {"temperature":21.5}. */
function valuesOf(text: string): Record<string, number> {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `values are a JSON object of numbers, not ${text.slice(0, 80)}`,
    );
  }
  if (!values || typeof values !== 'object' || Object.values(values).some((v) => typeof v !== 'number'))
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      'values are a JSON object of numbers, like {"temperature":21.5}',
    );
  return values as Record<string, number>;
}

export function registerDeviceCommands(device: Command): void {
  device
    .option('--name <name>', "the device's key in the data directory", 'device')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls);

  device
    .command('register')
    .description("bind this device's key (created if new) to its owner, who signs the binding")
    .requiredOption('--kind <kind>', 'what it is: weather-station, air-quality, gps-tracker...')
    .option('--owner <key>', "the owner's key in the data directory", 'client')
    .action(async (options: { kind: string; owner: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const flags = command.optsWithGlobals<DeviceFlags>();
      await loadOrCreateKey(config.dataDir, flags.name);
      const [owner, network, deviceKey, coordinator] = await Promise.all([
        loadKey(config.dataDir, options.owner),
        readNetworkConfig(config.dataDir),
        loadPrivateKey(config.dataDir, flags.name),
        coordinatorClient(config.dataDir, flags.coordinator),
      ]);
      const ctx = {
        coordinator,
        signer: owner,
        domain: networkDomain(network.chainId, network.paymentChannels),
      };
      const registered = await registerDevice(ctx, deviceKey, options.kind);
      out.result(
        registered,
        () => `device ${registered.device} (${registered.kind}) belongs to ${registered.owner}`,
      );
    });

  device
    .command('push')
    .description('sign and push readings to a feed: one (--values), or one a line from standard input')
    .requiredOption('--feed <feed>', 'the feed, e.g. weather')
    .option('--cell <cell>', 'where the device is, as a location cell', '')
    .option('--values <json>', 'one reading, like {"temperature":21.5}')
    .action(async (options: { feed: string; cell: string; values?: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const flags = command.optsWithGlobals<DeviceFlags>();
      const [deviceKey, account, coordinator] = await Promise.all([
        loadPrivateKey(config.dataDir, flags.name),
        loadKey(config.dataDir, flags.name),
        coordinatorClient(config.dataDir, flags.coordinator),
      ]);
      const ctx = { coordinator };
      const next = sequenceSource();
      const reading = (values: Record<string, number>): Reading => ({
        device: account.address,
        feed: options.feed,
        t: Date.now(),
        cell: options.cell,
        v: values,
        seq: next(),
      });
      const readings: Reading[] = [];
      if (options.values !== undefined) readings.push(reading(valuesOf(options.values)));
      else
        for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
          if (line.trim()) readings.push(reading(valuesOf(line)));
        }
      if (readings.length === 0)
        throw new IdlegridError('INVALID_ARGUMENT', 'no readings: give --values, or lines on stdin');
      const pushed = { accepted: 0, results: [] as Awaited<ReturnType<typeof pushReadings>>['results'] };
      for (let at = 0; at < readings.length; at += 1_000) {
        const answer = await pushReadings(ctx, options.feed, readings.slice(at, at + 1_000), deviceKey);
        pushed.accepted += answer.accepted;
        pushed.results.push(...answer.results);
      }
      out.result(pushed, () => {
        const refused = pushed.results.flatMap((r) =>
          'error' in r ? [`${r.error.code}: ${r.error.message}`] : [],
        );
        return [`${pushed.accepted} of ${readings.length} readings taken`, ...refused].join('\n');
      });
    });
}
