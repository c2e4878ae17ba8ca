import {
  IdlegridError,
  isIdlegridError,
  type NetworkDomain,
  type SignedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { isAddressEqual, keccak256 } from 'viem';
import type { ProviderEntry } from '../../coordinator/provider-registry.js';
import type { MessageChannel } from '../../p2p/api.js';
import {
  decodeMaskedInput,
  fixedPointScaleFor,
  graphSeed,
  type KeyAdvertisement,
  neighbourGraph,
  type SecAggConfig,
  SecAggServer,
  type UnmaskShares,
} from '../secure-aggregation/index.js';
import {
  advertAnswerSchema,
  FL_MESSAGES,
  type FlTrainRequest,
  flMaskAnswerSchema,
  shareListSchema,
  unmaskAnswerSchema,
} from '../wire.js';
import { collectUpdates } from './round-collector.js';

/** Above this many participants the SecAgg+ sparse graph replaces the complete one. */
const COMPLETE_GRAPH_UP_TO = 10;

export interface SecureRoundArgs {
  channel: MessageChannel;
  domain: NetworkDomain;
  now: () => number;
  signal: AbortSignal;
  timeoutMs: number;
  /** The client's signed run, its id, and its clip (the fixed-point range). */
  run: { signed: unknown; runId: string; clipNorm: number };
  /** The fixed-point range (secAggRange: the clip, plus room for distributed DP noise). */
  range: number;
  round: number;
  attempt: number;
  sample: readonly ProviderEntry[];
  minClients: number;
  train: FlTrainRequest;
  vectorLength: number;
  maxExamples: (provider: ProviderEntry) => number;
}

export interface SecureRoundResult {
  /** The sum of the survivors' clipped updates: all the coordinator learns of them. */
  sum: Float32Array;
  participants: {
    provider: string;
    examples: number;
    loss: number | null;
    receipt: SignedMessage<'FlUpdate'>;
  }[];
  dropped: string[];
  rejected: { provider: string; code: string; reason: string }[];
}

/**
 * One round under secure aggregation (SecAgg+, Bell et al. 2020), the coordinator relaying its
 * four stages: round keys, encrypted shares, masked updates, and the shares that unmask their
 * sum. Participants that vanish after masking are recovered from their neighbours' shares, as
 * long as each has `threshold` of them left. Undefined when too few took part to close the round.
 */
export async function secureRound(args: SecureRoundArgs): Promise<SecureRoundResult | undefined> {
  const { channel, signal, timeoutMs } = args;
  const byAddress = new Map(args.sample.map((entry) => [entry.address.toLowerCase(), entry]));
  const participants = [...byAddress.keys()].sort();
  if (participants.length < 3) return undefined;
  const config = secAggConfig({
    roundId: `${args.run.runId.toLowerCase()}/${args.round}/${args.attempt}`,
    participants,
    vectorLength: args.vectorLength,
    range: args.range,
  });
  const server = new SecAggServer(config);
  const rejected: SecureRoundResult['rejected'] = [];
  const reject = (provider: string, error: unknown) =>
    rejected.push({
      provider: byAddress.get(provider)?.address ?? provider,
      code: isIdlegridError(error) ? error.code : 'SECAGG_FAILED',
      reason: error instanceof Error ? error.message : String(error),
    });
  const ask = (address: string, type: string, body: unknown) =>
    channel.request(byAddress.get(address)!.peer, type, body, { timeoutMs, signal });

  // Stage 0: keys. Those that do not answer are simply not in the round.
  await Promise.all(
    participants.map(async (address) => {
      try {
        const advert = advertAnswerSchema.parse(
          await ask(address, FL_MESSAGES.advertise, { run: args.run.signed, round: args.round, config }),
        ) as KeyAdvertisement;
        if (advert.address !== address)
          throw new IdlegridError('SECAGG_FAILED', 'keys advertised for another');
        await server.acceptAdvertisement(advert);
      } catch (error) {
        reject(address, error);
      }
    }),
  );
  const advertised = server.advertisements();
  if (advertised.length < Math.max(3, args.minClients, config.threshold)) return undefined;

  // Stage 1: shares, encrypted to each neighbour (the coordinator cannot read them).
  const adverts = advertised;
  const sharers: string[] = [];
  await Promise.all(
    adverts.map(async ({ address }) => {
      try {
        const shares = shareListSchema.parse(
          await ask(address, FL_MESSAGES.share, { roundId: config.roundId, adverts }),
        );
        server.acceptShares(address, shares);
        sharers.push(address);
      } catch (error) {
        reject(address, error);
      }
    }),
  );

  // Stage 2: each trains and answers its update masked; stragglers are dropped.
  const requests = sharers.map((address) => ({
    provider: address,
    answer: ask(address, FL_MESSAGES.mask, {
      roundId: config.roundId,
      train: args.train,
      incoming: server.sharesFor(address),
    }).then((answer) => checkMasked(args, address, answer)),
  }));
  const collected = await collectUpdates(requests, {
    minimum: args.minClients,
    timeoutMs,
    now: args.now,
    signal,
  });
  for (const [address, error] of collected.failures) reject(address, error);
  const taken = [...collected.answers.entries()];
  for (const [address, checked] of taken) server.acceptMaskedInput(address, checked.masked);
  if (taken.length < Math.max(args.minClients, config.threshold)) return undefined;

  // Stage 3: the survivors reveal what unmasks the sum, and nothing more.
  const request = server.unmaskRequest();
  await Promise.all(
    request.survivors.map(async (address) => {
      try {
        server.acceptUnmaskShares(
          unmaskAnswerSchema.parse(
            await ask(address, FL_MESSAGES.unmask, { roundId: config.roundId, ...request }),
          ) as UnmaskShares,
        );
      } catch (error) {
        reject(address, error);
      }
    }),
  );
  const { sum } = server.finish();
  const survivors = new Set(request.survivors);
  return {
    sum,
    participants: taken.map(([address, checked]) => ({
      provider: byAddress.get(address)!.address,
      examples: Math.min(checked.examples, args.maxExamples(byAddress.get(address)!)),
      loss: checked.loss,
      receipt: checked.receipt,
    })),
    dropped: participants
      .filter((a) => !survivors.has(a) && !rejected.some((r) => r.provider.toLowerCase() === a))
      .map((a) => byAddress.get(a)!.address),
    rejected,
  };
}

/**
 * SecAgg+'s neighbourhood size: everyone up to ten participants (plain SecAgg), then about
 * 2·log₂ n, which keeps each client's work logarithmic while a round survives the usual dropouts.
 */
export function secAggDegree(participants: number): number {
  return participants <= COMPLETE_GRAPH_UP_TO
    ? participants - 1
    : Math.min(participants - 1, 2 * Math.ceil(Math.log2(participants)) + 2);
}

/**
 * A round's SecAgg+ parameters, as coordinator and simulation agree them: the neighbourhood of
 * secAggDegree, a majority of it as threshold, and the largest fixed-point scale that cannot
 * overflow for this many participants.
 */
export function secAggConfig(args: {
  roundId: string;
  /** Lowercase addresses, sorted. */
  participants: string[];
  vectorLength: number;
  range: number;
}): SecAggConfig {
  const { roundId, participants, vectorLength, range } = args;
  const degree = secAggDegree(participants.length);
  const d = neighbourGraph(participants, graphSeed(roundId), degree).get(participants[0]!)!.length;
  return {
    roundId,
    participants,
    // A majority of each neighbourhood must stay to the end.
    threshold: Math.max(2, Math.floor(d / 2) + 1),
    degree,
    vectorLength,
    scale: fixedPointScaleFor({ clients: participants.length, range }),
    range,
  };
}

/** A masked answer, its receipt signed by the provider over exactly those bytes. */
async function checkMasked(args: SecureRoundArgs, address: string, answer: unknown) {
  const parsed = flMaskAnswerSchema.safeParse(answer);
  if (!parsed.success)
    throw new IdlegridError('FL_UPDATE_INVALID', 'the answer is not { masked, signed, loss }');
  const masked = decodeMaskedInput(parsed.data.masked, args.vectorLength);
  const { message } = await verifySignedMessage(args.domain, parsed.data.signed, { kind: 'FlUpdate' });
  if (!isAddressEqual(message.provider, address as `0x${string}`))
    throw new IdlegridError('FL_UPDATE_INVALID', 'the receipt is signed by another provider');
  if (message.runId.toLowerCase() !== args.run.runId.toLowerCase() || message.round !== args.round)
    throw new IdlegridError('FL_UPDATE_INVALID', 'the receipt is for another run or round');
  if (message.updateHash !== keccak256(new Uint8Array(masked.buffer)))
    throw new IdlegridError('FL_UPDATE_INVALID', 'the receipt is for other bytes than the masked update');
  return {
    masked,
    examples: message.examples,
    loss: parsed.data.loss,
    receipt: parsed.data.signed as unknown as SignedMessage<'FlUpdate'>,
  };
}
