import type { Hex } from 'viem';
import type { Update } from '../vector-math.js';
import { SecAggClient } from './client.js';
import type { SecAggConfig } from './config.js';
import { decodeMaskedInput, encodeMaskedInput } from './messages.js';
import { type SecAggResult, SecAggServer } from './server.js';

export interface SimulatedRound {
  result: SecAggResult;
  /** Each survivor's masked input, as the server saw it. */
  masked: Map<string, Uint32Array>;
}

/**
 * A whole round in one process, every message through JSON as over a wire: for tests, benchmarks
 * and simulations. `dropAfterShares` clients vanish after stage 1 (they never send an input).
 */
export async function simulateRound({
  config,
  privateKeys,
  updates,
  dropAfterShares = [],
}: {
  config: SecAggConfig;
  /** One identity key per participant. */
  privateKeys: readonly Hex[];
  /** Updates by address. */
  updates: ReadonlyMap<string, Update>;
  dropAfterShares?: readonly string[];
}): Promise<SimulatedRound> {
  const wire = <T>(message: T): T => JSON.parse(JSON.stringify(message)) as T;
  const server = new SecAggServer(config);
  const clients = privateKeys.map((privateKey) => new SecAggClient({ privateKey, config }));
  for (const client of clients) await server.acceptAdvertisement(wire(await client.advertise()));
  const adverts = wire(server.advertisements());
  for (const client of clients) server.acceptShares(client.address, wire(await client.shareKeys(adverts)));
  const survivors = clients.filter((client) => !dropAfterShares.includes(client.address));
  const masked = new Map<string, Uint32Array>();
  for (const client of survivors) {
    const update = updates.get(client.address);
    if (!update) throw new RangeError(`no update for ${client.address}`);
    const input = client.maskInput(update, wire(server.sharesFor(client.address)));
    masked.set(client.address, input);
    server.acceptMaskedInput(client.address, decodeMaskedInput(wire(encodeMaskedInput(input)), input.length));
  }
  const { survivors: named, dropped } = wire(server.unmaskRequest());
  for (const client of survivors) server.acceptUnmaskShares(wire(client.unmask(named, dropped)));
  return { result: server.finish(), masked };
}
