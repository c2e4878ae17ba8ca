import { type Hex, type LocalAccount, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Update } from '../vector-math.js';
import { signAdvertisement, verifyAdvertisement } from './advertisement.js';
import { planRound, type RoundPlan, type SecAggConfig } from './config.js';
import { SecAggError } from './errors.js';
import { encodeFixedPoint, ringAddInto, ringSubInto } from './fixed-point.js';
import {
  agree,
  open,
  PAIR_MASK_DOMAIN,
  pairSeed,
  publicKeyOf,
  randomSecretKey,
  seal,
  selfMaskDomain,
  shareContext,
  shareKey,
} from './keys.js';
import type {
  EncryptedShare,
  KeyAdvertisement,
  RevealedShare,
  UnmaskRequest,
  UnmaskShares,
} from './messages.js';
import { expandMask } from './prg.js';
import { randomFieldElement, split } from './shamir.js';

export interface SecAggClientOptions {
  /** The client's identity (wallet) key, 0x + 64 hex; it signs the key advertisement. */
  privateKey: Hex;
  config: SecAggConfig;
}

/** A neighbour that advertised valid keys at stage 1. */
interface Peer {
  /** ECDH(c_self, c_peer): the share encryption secret. */
  cShared: Uint8Array;
  /** s_uv. */
  pairSeed: Uint8Array;
}

/** A neighbour's shares of its own secrets, held by this client. */
interface HeldShares {
  selfMask: Uint8Array;
  secretKey: Uint8Array;
}

type Stage = 'new' | 'advertised' | 'shared' | 'masked';

/**
 * One client's side of a secure-aggregation round (Bonawitz et al. 2017 with the SecAgg+ graph),
 * as a state machine driven by the messages the server relays:
 *
 *   advertise() → shareKeys(all adverts) → maskInput(update, shares addressed to it) → unmask(request)
 *
 * Each stage runs once, in order. Ephemeral secrets live only in this object and are wiped when no
 * longer needed.
 */
export class SecAggClient {
  readonly address: string;
  readonly #account: LocalAccount;
  readonly #plan: RoundPlan;
  #stage: Stage = 'new';
  #cSecret: Uint8Array = new Uint8Array();
  #sSecret: Uint8Array = new Uint8Array();
  /** b, the seed of the self mask. */
  #selfMaskSeed: Uint8Array = new Uint8Array();
  #advert: KeyAdvertisement | undefined;
  #peers = new Map<string, Peer>();
  #held = new Map<string, HeldShares>();
  #answered: { request: string; answer: UnmaskShares } | undefined;

  constructor({ privateKey, config }: SecAggClientOptions) {
    this.#account = privateKeyToAccount(privateKey);
    this.address = this.#account.address.toLowerCase();
    this.#plan = planRound(config);
    if (!this.#plan.xOf.has(this.address))
      throw new RangeError(`${this.address} is not a participant of round ${config.roundId}`);
  }

  get config(): SecAggConfig {
    return this.#plan.config;
  }

  /** Stage 0: fresh key pairs c (share encryption) and s (mask agreement), signed. */
  async advertise(): Promise<KeyAdvertisement> {
    this.#enter('new', 'advertised');
    this.#cSecret = randomSecretKey();
    this.#sSecret = randomSecretKey();
    this.#advert = await signAdvertisement(
      this.#account,
      this.config.roundId,
      publicKeyOf(this.#cSecret),
      publicKeyOf(this.#sSecret),
    );
    return this.#advert;
  }

  /**
   * Stage 1: checks the neighbours' advertisements, then Shamir-shares the self-mask seed b and the
   * mask secret key s among the neighbours that advertised, one encrypted pair of shares each.
   */
  async shareKeys(adverts: readonly KeyAdvertisement[]): Promise<EncryptedShare[]> {
    this.#enter('advertised', 'shared');
    const { roundId, threshold } = this.config;
    const byAddress = new Map<string, KeyAdvertisement>();
    for (const advert of adverts) {
      if (byAddress.has(advert.address))
        throw new SecAggError(`two advertisements of ${advert.address}`, { address: advert.address });
      byAddress.set(advert.address, advert);
    }
    const own = byAddress.get(this.address);
    const sent = this.#advert!;
    if (own && (own.cPublicKey !== sent.cPublicKey || own.sPublicKey !== sent.sPublicKey))
      throw new SecAggError(`the advertisement relayed for ${this.address} is not the one it sent`);
    const present = this.#neighbours().filter((v) => byAddress.has(v));
    if (present.length < threshold)
      throw new SecAggError(
        `${present.length} neighbours advertised keys, fewer than the threshold ${threshold}`,
        {
          neighbours: present.length,
          threshold,
        },
      );
    const verified = await Promise.all(
      present.map((v) => verifyAdvertisement(byAddress.get(v)!, this.config)),
    );
    for (const [i, v] of present.entries()) {
      const keys = verified[i]!;
      try {
        this.#peers.set(v, {
          cShared: agree(this.#cSecret, keys.cPublicKey),
          pairSeed: pairSeed(agree(this.#sSecret, keys.sPublicKey), roundId, this.address, v),
        });
      } catch (cause) {
        throw new SecAggError(`advertisement of ${v} holds an invalid public key`, { address: v }, { cause });
      }
    }
    this.#cSecret.fill(0); // every share key is derived now
    this.#selfMaskSeed = randomFieldElement();
    const xs = present.map((v) => this.#plan.xOf.get(v)!);
    const selfMaskShares = split(this.#selfMaskSeed, threshold, xs);
    const secretKeyShares = split(this.#sSecret, threshold, xs);
    return present.map((to, i) => {
      const plaintext = new Uint8Array(64);
      plaintext.set(selfMaskShares[i]!.y, 0);
      plaintext.set(secretKeyShares[i]!.y, 32);
      const key = shareKey(this.#peers.get(to)!.cShared, roundId, this.address, to);
      const box = seal(key, shareContext(roundId, this.address, to), plaintext);
      return { from: this.address, to, ciphertext: Buffer.from(box).toString('base64') };
    });
  }

  /**
   * Stage 2: keeps the shares addressed to this client, then masks the fixed-point update:
   * y = x + PRG(b) + Σ_{v > u} PRG(s_uv) − Σ_{v < u} PRG(s_uv) over the neighbours whose shares
   * arrived (exactly those the server will count as having shared).
   */
  maskInput(update: Update, incoming: readonly EncryptedShare[]): Uint32Array {
    const { roundId, threshold, vectorLength } = this.config;
    if (update.length !== vectorLength)
      throw new RangeError(`the update has ${update.length} values, the round ${vectorLength}`);
    this.#enter('shared', 'masked');
    for (const message of incoming) {
      const { from, to } = message;
      if (to !== this.address) throw new SecAggError(`a share for ${to} was delivered to ${this.address}`);
      const peer = this.#peers.get(from);
      if (!peer)
        throw new SecAggError(`a share from ${from}, which is not an advertised neighbour`, { from });
      if (this.#held.has(from)) throw new SecAggError(`two shares from ${from}`, { from });
      let plaintext: Uint8Array;
      try {
        const key = shareKey(peer.cShared, roundId, from, this.address);
        plaintext = open(
          key,
          shareContext(roundId, from, this.address),
          Buffer.from(message.ciphertext, 'base64'),
        );
      } catch (cause) {
        throw new SecAggError(`the share from ${from} does not decrypt`, { from }, { cause });
      }
      if (plaintext.length !== 64)
        throw new SecAggError(`the share from ${from} has the wrong size`, { from });
      this.#held.set(from, { selfMask: plaintext.slice(0, 32), secretKey: plaintext.slice(32) });
    }
    // With few pairwise masks, unmasking would leave this input exposed (Bonawitz et al.: |U2| ≥ t).
    if (this.#held.size < threshold)
      throw new SecAggError(
        `shares from ${this.#held.size} neighbours, fewer than the threshold ${threshold}`,
        {
          received: this.#held.size,
          threshold,
        },
      );
    const masked = encodeFixedPoint(update, this.config);
    ringAddInto(masked, expandMask(this.#selfMaskSeed, vectorLength, selfMaskDomain(roundId)));
    for (const v of this.#held.keys()) {
      const mask = expandMask(this.#peers.get(v)!.pairSeed, vectorLength, PAIR_MASK_DOMAIN);
      if (this.address < v) ringAddInto(masked, mask);
      else ringSubInto(masked, mask);
    }
    // This client's own secrets are not needed again: its neighbours hold them.
    this.#selfMaskSeed.fill(0);
    this.#sSecret.fill(0);
    for (const peer of this.#peers.values()) peer.pairSeed.fill(0);
    return masked;
  }

  /**
   * Stage 3: reveals the share of b of each surviving neighbour and the share of s of each dropped
   * one. Refuses a request naming a client in both lists, one naming fewer survivors than the
   * threshold, and a second request that differs from the first: any of these could let the server
   * learn both secrets of one client, and with them its individual update.
   */
  unmask(survivors: readonly string[], dropped: readonly string[]): UnmaskShares {
    const request = JSON.stringify({ survivors: [...survivors].sort(), dropped: [...dropped].sort() });
    if (this.#answered) {
      if (this.#answered.request !== request)
        throw new SecAggError('a second, different unmask request is refused');
      return this.#answered.answer;
    }
    if (this.#stage !== 'masked') throw new SecAggError(`unmask before maskInput (stage ${this.#stage})`);
    this.#checkRequest({ survivors: [...survivors], dropped: [...dropped] });
    const reveal = (names: readonly string[], pick: (held: HeldShares) => Uint8Array): RevealedShare[] =>
      names.flatMap((of) => {
        const held = this.#held.get(of);
        return held ? [{ of, share: toHex(pick(held)) }] : [];
      });
    const answer: UnmaskShares = {
      from: this.address,
      selfMaskShares: reveal(survivors, (held) => held.selfMask),
      secretKeyShares: reveal(dropped, (held) => held.secretKey),
    };
    this.#answered = { request, answer };
    return answer;
  }

  #checkRequest({ survivors, dropped }: UnmaskRequest): void {
    const { threshold } = this.config;
    const seen = new Set<string>();
    for (const address of [...survivors, ...dropped]) {
      if (!this.#plan.xOf.has(address))
        throw new SecAggError(`unmask request names ${address}, not a participant`);
      if (seen.has(address))
        throw new SecAggError(`unmask request names ${address} twice (as survivor and dropped?): refused`, {
          address,
        });
      seen.add(address);
    }
    if (!survivors.includes(this.address))
      throw new SecAggError(
        `unmask request does not count ${this.address}, which sent its input, as a survivor`,
      );
    if (survivors.length < threshold)
      throw new SecAggError(
        `unmask request names ${survivors.length} survivors, fewer than the threshold ${threshold}`,
        {
          survivors: survivors.length,
          threshold,
        },
      );
  }

  #neighbours(): string[] {
    return this.#plan.neighbours.get(this.address)!;
  }

  #enter(expected: Stage, next: Stage): void {
    if (this.#stage !== expected)
      throw new SecAggError(`stage out of order: at ${this.#stage}, expected ${expected}`, {
        stage: this.#stage,
      });
    this.#stage = next;
  }
}
