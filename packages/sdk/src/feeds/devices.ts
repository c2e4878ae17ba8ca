import {
  MAX_BATCH_READINGS,
  type Reading,
  type SignedReading,
  signMessage,
  signReading,
  signReadingBatch,
  type TypedDataSigner,
} from '@idlegrid/protocol';
import { type Address, getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext } from '../jobs/context.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomNonce } from '../jobs/job-spec.js';

/**
 * Binds a device key to its owner (`POST /v1/devices`): the owner signs a DeviceBinding, and the
 * device signs the same message, proving it holds the key it is bound by.
 */
export async function registerDevice(
  ctx: Pick<JobsContext, 'coordinator' | 'domain'> & { signer: TypedDataSigner },
  deviceKey: Hex,
  kind: string,
  options: RequestOptions = {},
): Promise<{ device: Address; owner: Address; kind: string }> {
  const device = privateKeyToAccount(deviceKey);
  const binding = await signMessage(ctx.signer, ctx.domain, 'DeviceBinding', {
    owner: ctx.signer.address,
    device: device.address,
    kind,
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  const countersigned = await signMessage(device, ctx.domain, 'DeviceBinding', binding.message);
  const answer = await ctx.coordinator.postJson(
    '/v1/devices',
    { binding, deviceSignature: countersigned.signature },
    options,
  );
  const registered = parseAnswer(
    z.object({ device: z.object({ device: z.string(), owner: z.string(), kind: z.string() }) }),
    answer,
    'device registration',
  ).device;
  return {
    device: getAddress(registered.device),
    owner: getAddress(registered.owner),
    kind: registered.kind,
  };
}

const pushAnswerSchema = z.object({
  accepted: z.number(),
  results: z.array(
    z.union([
      z.object({ accepted: z.literal(true), device: z.string(), seq: z.number() }),
      z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});

/** A device's sequence numbers: the clock in milliseconds, and always above the last one (several readings a millisecond). */
export function sequenceSource(): () => number {
  let last = -1;
  return () => {
    last = Math.max(last + 1, Date.now());
    return last;
  };
}

/**
 * Signs a device's readings in batches (one signature for up to MAX_BATCH_READINGS of them, as a
 * device with a backlog does) and pushes them in one request; says how each reading went, in order.
 */
export async function pushReadingBatches(
  ctx: Pick<JobsContext, 'coordinator'>,
  feed: string,
  readings: readonly Reading[],
  deviceKey: Hex,
  options: RequestOptions = {},
) {
  const batches = [];
  for (let at = 0; at < readings.length; at += MAX_BATCH_READINGS)
    batches.push(signReadingBatch(readings.slice(at, at + MAX_BATCH_READINGS), deviceKey));
  return pushReadings(ctx, feed, batches, undefined, options);
}

/** Signs readings with a device key and pushes them in one request; says how each went, in order. */
export async function pushReadings(
  ctx: Pick<JobsContext, 'coordinator'>,
  feed: string,
  readings: readonly (Reading | SignedReading)[],
  deviceKey?: Hex,
  options: RequestOptions = {},
) {
  const signed = readings.map((reading) => {
    if ('payload' in reading) return reading;
    if (!deviceKey) throw new Error('a device key signs unsigned readings');
    return signReading(reading, deviceKey);
  });
  return parseAnswer(
    pushAnswerSchema,
    await ctx.coordinator.postJson(
      `/v1/feeds/${encodeURIComponent(feed)}/readings`,
      { readings: signed },
      options,
    ),
    'readings',
  );
}
