import { hexToBytes, toHex } from 'viem';
import { verifyAdvertisement } from './advertisement.js';
import { planRound, type RoundPlan, type SecAggConfig } from './config.js';
import { SecAggError } from './errors.js';
import { decodeSum, ringAddInto, ringSubInto } from './fixed-point.js';
import { agree, PAIR_MASK_DOMAIN, pairSeed, publicKeyOf, selfMaskDomain } from './keys.js';
import type { EncryptedShare, KeyAdvertisement, UnmaskRequest, UnmaskShares } from './messages.js';
import { expandMask } from './prg.js';
import { combine, type Share } from './shamir.js';

export interface SecAggResult {
  /** The sum of the contributors' (clipped, fixed-point) updates. */
  sum: Float32Array;
  /** The clients whose updates are in the sum, sorted. */
  contributors: string[];
}

export interface UnmaskSumInput {
  config: SecAggConfig;
  /** The advertisements relayed at stage 1. */
  adverts: readonly KeyAdvertisement[];
  /** The clients that sent shares at stage 1 (default: every advertiser). */
  sharers?: readonly string[];
  /** The masked inputs of stage 2, by sender: the survivors. */
  masked: ReadonlyMap<string, Uint32Array>;
  /** The survivors' answers to the unmask request. */
  unmaskShares: readonly UnmaskShares[];
}

/**
 * The sum of the survivors' updates: adds the masked inputs, reconstructs each survivor's b and each
 * dropped sharer's s secret key from at least `threshold` shares, and strips their masks. For a
 * dropped v the pairwise masks of its surviving neighbours u are recomputed from s_v and u's
 * advertised s public key; masks between two survivors cancel on their own.
 */
export function unmaskSum({ config, adverts, sharers, masked, unmaskShares }: UnmaskSumInput): SecAggResult {
  const plan = planRound(config);
  const { roundId, threshold, vectorLength } = config;
  const sPublicKeys = new Map(adverts.map((advert) => [advert.address, advert.sPublicKey]));
  const shared = new Set(sharers ?? sPublicKeys.keys());
  const survivors = [...masked.keys()].sort();
  for (const u of survivors) {
    if (!shared.has(u) || !sPublicKeys.has(u))
      throw new SecAggError(`a masked input from ${u}, which shared no keys`);
    if (masked.get(u)!.length !== vectorLength)
      throw new SecAggError(
        `the masked input of ${u} has ${masked.get(u)!.length} values, not ${vectorLength}`,
      );
  }
  if (survivors.length < threshold)
    throw new SecAggError(`${survivors.length} masked inputs, fewer than the threshold ${threshold}`, {
      survivors: survivors.length,
      threshold,
    });
  const dropped = [...shared].filter((v) => !masked.has(v)).sort();
  const { selfMaskShares, secretKeyShares } = collectShares(
    plan,
    new Set(survivors),
    new Set(dropped),
    unmaskShares,
  );

  const sum = new Uint32Array(vectorLength);
  for (const u of survivors) ringAddInto(sum, masked.get(u)!);
  for (const u of survivors) {
    const b = reconstruct(selfMaskShares.get(u) ?? [], threshold, `the self mask of ${u}`);
    ringSubInto(sum, expandMask(b, vectorLength, selfMaskDomain(roundId)));
  }
  for (const v of dropped) {
    const secretKey = reconstruct(secretKeyShares.get(v) ?? [], threshold, `the mask key of dropped ${v}`);
    // The public key check catches wrong shares, which would otherwise corrupt the sum silently.
    if (toHex(publicKeyOf(secretKey)) !== sPublicKeys.get(v))
      throw new SecAggError(`the reconstructed mask key of ${v} does not match its advertisement`, {
        address: v,
      });
    for (const u of plan.neighbours.get(v)!) {
      if (!masked.has(u)) continue;
      const seed = pairSeed(
        agree(secretKey, hexToBytes(sPublicKeys.get(u)! as `0x${string}`)),
        roundId,
        u,
        v,
      );
      const mask = expandMask(seed, vectorLength, PAIR_MASK_DOMAIN);
      // u added +PRG(s_uv) when u < v and −PRG(s_uv) otherwise; undo that.
      if (u < v) ringSubInto(sum, mask);
      else ringAddInto(sum, mask);
    }
  }
  return { sum: decodeSum(sum, config.scale), contributors: survivors };
}

function collectShares(
  plan: RoundPlan,
  survivors: ReadonlySet<string>,
  dropped: ReadonlySet<string>,
  answers: readonly UnmaskShares[],
): { selfMaskShares: Map<string, Share[]>; secretKeyShares: Map<string, Share[]> } {
  const selfMaskShares = new Map<string, Share[]>();
  const secretKeyShares = new Map<string, Share[]>();
  const answered = new Set<string>();
  for (const { from, selfMaskShares: selfMasks, secretKeyShares: secretKeys } of answers) {
    if (!survivors.has(from)) throw new SecAggError(`unmask shares from ${from}, which is not a survivor`);
    if (answered.has(from)) throw new SecAggError(`two answers from ${from}`);
    answered.add(from);
    const x = plan.xOf.get(from)!;
    const neighbours = new Set(plan.neighbours.get(from));
    const add = (into: Map<string, Share[]>, of: string, share: string, allowed: ReadonlySet<string>) => {
      if (!neighbours.has(of) || !allowed.has(of))
        throw new SecAggError(`${from} revealed a share of ${of}, which it should not hold or reveal`);
      const y = hexToBytes(share as `0x${string}`);
      if (y.length !== 32) throw new SecAggError(`${from} revealed a malformed share of ${of}`);
      into.set(of, [...(into.get(of) ?? []), { x, y }]);
    };
    for (const { of, share } of selfMasks) add(selfMaskShares, of, share, survivors);
    for (const { of, share } of secretKeys) add(secretKeyShares, of, share, dropped);
  }
  return { selfMaskShares, secretKeyShares };
}

/** The secret from ≥ t shares; with spare shares a second subset must agree, so a bad share is caught. */
function reconstruct(shares: readonly Share[], threshold: number, what: string): Uint8Array {
  if (shares.length < threshold)
    throw new SecAggError(`${shares.length} shares of ${what}, fewer than the threshold ${threshold}`, {
      shares: shares.length,
      threshold,
    });
  const secret = combine(shares, threshold);
  if (shares.length > threshold && toHex(combine(shares.slice(-threshold), threshold)) !== toHex(secret))
    throw new SecAggError(`the shares of ${what} are inconsistent`);
  return secret;
}

/**
 * The server's bookkeeping of one round: checks and relays the clients' messages stage by stage,
 * tracks who advertised, shared and sent an input, and asks the survivors to unmask.
 */
export class SecAggServer {
  readonly #plan: RoundPlan;
  readonly #adverts = new Map<string, KeyAdvertisement>();
  readonly #inboxes = new Map<string, EncryptedShare[]>();
  readonly #masked = new Map<string, Uint32Array>();
  readonly #answers = new Map<string, UnmaskShares>();
  #request: UnmaskRequest | undefined;

  constructor(config: SecAggConfig) {
    this.#plan = planRound(config);
  }

  get config(): SecAggConfig {
    return this.#plan.config;
  }

  /** Stage 0: an advertisement, checked (a forged one is refused with SECAGG_FAILED). */
  async acceptAdvertisement(advert: KeyAdvertisement): Promise<void> {
    this.#open(this.#inboxes.size === 0, 'advertisements');
    await verifyAdvertisement(advert, this.config);
    if (this.#adverts.has(advert.address))
      throw new SecAggError(`a second advertisement from ${advert.address}`);
    this.#adverts.set(advert.address, advert);
  }

  /** What every client receives at stage 1. */
  advertisements(): KeyAdvertisement[] {
    return [...this.#adverts.values()];
  }

  /** Stage 1: one client's encrypted shares, queued for their recipients. */
  acceptShares(from: string, shares: readonly EncryptedShare[]): void {
    this.#open(this.#masked.size === 0, 'shares');
    if (!this.#adverts.has(from)) throw new SecAggError(`shares from ${from}, which did not advertise`);
    if (this.#inboxes.has(from)) throw new SecAggError(`a second set of shares from ${from}`);
    const neighbours = new Set(this.#plan.neighbours.get(from));
    for (const share of shares) {
      if (share.from !== from || !neighbours.has(share.to) || !this.#adverts.has(share.to))
        throw new SecAggError(`${from} sent a share ${share.from} → ${share.to} it may not send`);
    }
    const expected = [...neighbours].filter((v) => this.#adverts.has(v));
    if (
      new Set(shares.map((share) => share.to)).size !== expected.length ||
      shares.length !== expected.length
    )
      throw new SecAggError(
        `${from} must send one share to each of its ${expected.length} advertised neighbours`,
      );
    this.#inboxes.set(from, [...shares]);
  }

  /** The shares addressed to `address`, to deliver with stage 2. */
  sharesFor(address: string): EncryptedShare[] {
    return [...this.#inboxes.values()].flatMap((shares) => shares.filter((share) => share.to === address));
  }

  /** Stage 2: one client's masked input. */
  acceptMaskedInput(from: string, masked: Uint32Array): void {
    this.#open(this.#request === undefined, 'masked inputs');
    if (!this.#inboxes.has(from)) throw new SecAggError(`a masked input from ${from}, which sent no shares`);
    if (masked.length !== this.config.vectorLength)
      throw new SecAggError(`the masked input of ${from} has ${masked.length} values`);
    if (this.#masked.has(from)) throw new SecAggError(`a second masked input from ${from}`);
    this.#masked.set(from, masked);
  }

  /** Closes stage 2: the request every survivor answers with `SecAggClient.unmask`. */
  unmaskRequest(): UnmaskRequest {
    if (!this.#request) {
      const survivors = [...this.#masked.keys()].sort();
      if (survivors.length < this.config.threshold)
        throw new SecAggError(
          `${survivors.length} masked inputs, fewer than the threshold ${this.config.threshold}`,
        );
      const dropped = [...this.#inboxes.keys()].filter((v) => !this.#masked.has(v)).sort();
      this.#request = { survivors, dropped };
    }
    return this.#request;
  }

  /** Stage 3: one survivor's answer. */
  acceptUnmaskShares(answer: UnmaskShares): void {
    if (!this.#request) throw new SecAggError('unmask shares before the unmask request');
    if (!this.#masked.has(answer.from))
      throw new SecAggError(`unmask shares from ${answer.from}, not a survivor`);
    this.#answers.set(answer.from, answer);
  }

  /** The sum, once enough survivors answered (SECAGG_FAILED when too few did). */
  finish(): SecAggResult {
    if (!this.#request) throw new SecAggError('finish before the unmask request');
    return unmaskSum({
      config: this.config,
      adverts: this.advertisements(),
      sharers: [...this.#inboxes.keys()],
      masked: this.#masked,
      unmaskShares: [...this.#answers.values()],
    });
  }

  #open(open: boolean, what: string): void {
    if (!open) throw new SecAggError(`the round no longer accepts ${what}`);
  }
}
