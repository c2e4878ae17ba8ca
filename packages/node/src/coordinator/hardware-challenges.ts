import { randomInt } from 'node:crypto';
import {
  IdlegridError,
  type NetworkDomain,
  type SignedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type Address, zeroAddress } from 'viem';
import type { ChallengeVerdict, ClaimResource } from '../integrity/hardware/claims.js';
import {
  answerHash,
  type CpuAnswer,
  type CpuChallenge,
  checkCpuAnswer,
  cpuChallengeFor,
  DEFAULT_LANE,
} from '../integrity/hardware/cpu-challenge.js';
import type { LaneParams } from '../integrity/hardware/cpu-lanes.js';
import { cpuDeadlineMs, gpuDeadlineMs, provenCores } from '../integrity/hardware/deadline.js';
import { hardwareEvidence } from '../integrity/hardware/evidence.js';
import { cardTflops, GPU_CARD_TFLOPS } from '../integrity/hardware/gpu-cards.js';
import {
  checkGpuAnswer,
  type GpuAnswer,
  type GpuChallenge,
  type GpuChallengeSettings,
  gpuChallengeFor,
} from '../integrity/hardware/gpu-challenge.js';
import { HARDWARE_CHALLENGE, hardwareReplySchema } from '../integrity/hardware/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { Slasher } from './punishment.js';

export interface HardwareChallengeSettings {
  /** Mean time between a provider's challenges, drawn at random so that none can be foreseen (default 30 min). */
  everyMs?: number;
  /** A new provider's first challenge comes within this long of its offer (default 20 s). */
  firstWithinMs?: number;
  /** The work of one CPU lane (DEFAULT_LANE). */
  lane?: LaneParams;
  /** The size of GPU challenges and the cards' speeds they are timed by (gpu-challenge.ts). */
  gpu?: GpuChallengeSettings;
  /** What a slash for a claim failed again and again is counted as: a job of this value (default 1 token). */
  slashValue?: bigint;
}

export interface HardwareChallengeDeps {
  channel: MessageChannel;
  registry: ProviderRegistry;
  domain: NetworkDomain;
  artifacts: ArtifactStore;
  slash?: Slasher | undefined;
  settings?: HardwareChallengeSettings;
  /** Told of each verdict (logs, metrics). */
  onVerdict?: (provider: Address, verdict: ChallengeVerdict) => void;
}

/** An answer later than this is no answer, whatever the claim. */
const NO_ANSWER_MS = 120_000;

/**
 * Proof of hardware, the coordinator's side: each provider's CPU claim, and GPU claim if it
 * makes one, is challenged soon after it joins and at random times after, only while it runs no
 * job here (a busy machine is slow for a reason). A simultaneous challenge of several identities
 * (suspected to share one machine) sends them all at once. Verdicts go to the registry's claim
 * book; a claim failed SLASH_AFTER times in a row is slashed, with the challenges and their
 * timings as evidence.
 */
export class HardwareChallenges {
  readonly #timers = new Map<Address, NodeJS.Timeout>();
  readonly #inFlight = new Set<Address>();
  readonly #everyMs: number;
  readonly #firstWithinMs: number;
  readonly #lane: LaneParams;
  #stopped = false;
  /** One challenge at a time: two at once on providers that share a machine would be a simultaneous challenge nobody asked for. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: HardwareChallengeDeps) {
    this.#everyMs = deps.settings?.everyMs ?? 30 * 60_000;
    this.#firstWithinMs = deps.settings?.firstWithinMs ?? 20_000;
    this.#lane = deps.settings?.lane ?? DEFAULT_LANE;
  }

  /** A provider made an offer here: its claims are noted and its next challenge planned. */
  offered(address: Address): void {
    const entry = this.deps.registry.get(address);
    if (!entry || entry.via !== undefined || this.#stopped) return;
    this.deps.registry.claims.claim(address, { cpu: entry.offer.cpuCores, gpu: entry.offer.gpuCount });
    if (!this.#timers.has(address)) this.#plan(address, randomInt(Math.max(1, this.#firstWithinMs)));
  }

  #plan(address: Address, inMs: number): void {
    clearTimeout(this.#timers.get(address));
    const timer = setTimeout(() => {
      this.#timers.delete(address);
      void this.#due(address);
    }, inMs);
    timer.unref();
    this.#timers.set(address, timer);
  }

  async #due(address: Address): Promise<void> {
    const { registry } = this.deps;
    if (this.#stopped || !registry.isOnline(address, Date.now())) return;
    // Busy: try again shortly, not at the next random time (a provider must not escape by staying busy).
    if (registry.activeJobs(address) > 0) return this.#plan(address, 5_000 + randomInt(10_000));
    await this.challenge([address]).catch(() => {});
    if ((registry.get(address)?.offer.gpuCount ?? 0) > 0)
      await this.challenge([address], 'gpu').catch(() => {});
    // Exponential gaps: a memoryless schedule gives a provider no quiet time to cheat in.
    this.#plan(address, Math.round(-Math.log(1 - Math.random()) * this.#everyMs));
  }

  /**
   * Challenges the providers' claims of `resource` at the same instant (one machine behind
   * several identities must then run all their lanes at once) and judges each answer; resolves
   * each one's verdict (one already being challenged is left out).
   */
  challenge(
    addresses: readonly Address[],
    resource: ClaimResource = 'cpu',
  ): Promise<Map<Address, ChallengeVerdict>> {
    const next = this.#queue.then(() => this.#challengeNow(addresses, resource));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #challengeNow(
    addresses: readonly Address[],
    resource: ClaimResource,
  ): Promise<Map<Address, ChallengeVerdict>> {
    const { registry, channel } = this.deps;
    const targets = addresses.filter((address) => !this.#inFlight.has(address) && registry.get(address));
    for (const address of targets) this.#inFlight.add(address);
    try {
      // One time for the whole group: a simultaneous challenge is recognised by it in each identity's record.
      const sentAt = Date.now();
      const sent = targets.map((address) => {
        const { offer } = registry.get(address)!;
        // What is judged is the claim as offered, even where a challenge caps its lanes.
        const claim =
          resource === 'cpu'
            ? { claimed: offer.cpuCores, model: '' }
            : { claimed: offer.gpuCount, model: offer.gpuModel };
        const challenge =
          resource === 'cpu'
            ? cpuChallengeFor(offer.cpuCores, this.#lane)
            : gpuChallengeFor({ count: offer.gpuCount, model: offer.gpuModel }, this.deps.settings?.gpu);
        const started = performance.now();
        const reply = channel
          .request(
            registry.get(address)!.peer,
            HARDWARE_CHALLENGE,
            { challenge },
            { timeoutMs: NO_ANSWER_MS },
          )
          .then(
            (body) => ({ body, elapsedMs: performance.now() - started }),
            () => ({ body: undefined, elapsedMs: performance.now() - started }),
          );
        return { address, challenge, claim, reply };
      });
      // All answers first: the coordinator's own check lanes must not slow the providers it times.
      const replies = await Promise.all(sent.map((one) => one.reply));
      const verdicts = new Map<Address, ChallengeVerdict>();
      for (const [index, one] of sent.entries()) {
        const group = targets.length > 1 ? [...targets] : [];
        const verdict = await this.#judge(one, replies[index]!, group, sentAt);
        verdicts.set(one.address, verdict);
        await this.#record(one.address, verdict);
      }
      return verdicts;
    } finally {
      for (const address of targets) this.#inFlight.delete(address);
    }
  }

  async #judge(
    sent: {
      address: Address;
      challenge: CpuChallenge | GpuChallenge;
      claim: { claimed: number; model: string };
    },
    reply: { body: unknown; elapsedMs: number },
    group: Address[],
    sentAt: number,
  ): Promise<ChallengeVerdict> {
    const { address, challenge, claim } = sent;
    const rttMs = this.deps.registry.get(address)?.rttMs ?? 0;
    const base = {
      resource: challenge.kind,
      challengeId: challenge.challengeId,
      claimed: claim.claimed,
      elapsedMs: Math.round(reply.elapsedMs),
      at: sentAt,
      group,
    };
    const parsed = hardwareReplySchema.safeParse(reply.body);
    const answer = parsed.success
      ? await this.#verifiedAnswer(address, challenge, parsed.data).catch(() => undefined)
      : undefined;
    if (!parsed.success || !answer) {
      return { ...base, passed: false, failure: 'no-answer', deadlineMs: 0, referenceMs: 0 };
    }
    const check = await this.#check(challenge, claim.model, parsed.data.answer, rttMs);
    const timely = reply.elapsedMs <= check.deadlineMs;
    const proven =
      challenge.kind === 'cpu' && check.correct
        ? provenCores({
            claimed: claim.claimed,
            lanes: challenge.lanes,
            referenceMs: check.referenceMs,
            elapsedMs: reply.elapsedMs,
            rttMs,
          })
        : undefined;
    return {
      ...base,
      deadlineMs: Math.round(check.deadlineMs),
      referenceMs: Math.round(check.referenceMs),
      answer,
      ...(proven === undefined ? {} : { provenCores: proven }),
      passed: check.correct && timely,
      ...(check.correct ? (timely ? {} : { failure: 'late' as const }) : { failure: 'wrong' as const }),
    };
  }

  /** Whether the answer is right, by the coordinator's own recomputation, and the deadline that recomputation sets. */
  async #check(
    challenge: CpuChallenge | GpuChallenge,
    gpuModel: string,
    answer: CpuAnswer | GpuAnswer,
    rttMs: number,
  ): Promise<{ correct: boolean; referenceMs: number; deadlineMs: number }> {
    // The reply's schema took either shape; an answer of the other kind is simply wrong.
    if (challenge.kind === 'cpu') {
      if (!('digests' in answer)) return { correct: false, referenceMs: 0, deadlineMs: 0 };
      const check = await checkCpuAnswer(challenge, answer);
      const deadlineMs = cpuDeadlineMs(check.referenceLaneMs, rttMs);
      return { correct: check.correct, referenceMs: check.referenceLaneMs, deadlineMs };
    }
    if (!('lanes' in answer)) return { correct: false, referenceMs: 0, deadlineMs: 0 };
    const check = await checkGpuAnswer(challenge, answer);
    const deadlineMs = gpuDeadlineMs({
      referenceMatrixMs: check.referenceMatrixMs,
      size: challenge.size,
      products: challenge.products,
      tflops: cardTflops(gpuModel, this.deps.settings?.gpu?.cards ?? GPU_CARD_TFLOPS),
      rttMs,
    });
    return { correct: check.correct, referenceMs: check.referenceMatrixMs, deadlineMs };
  }

  /** The signed answer, when it is the provider's and names exactly this answer to this challenge. */
  async #verifiedAnswer(
    address: Address,
    challenge: CpuChallenge | GpuChallenge,
    reply: { answer: object; signed: unknown },
  ): Promise<SignedMessage<'HardwareAnswer'>> {
    const verified = await verifySignedMessage(this.deps.domain, reply.signed, { kind: 'HardwareAnswer' });
    const message = verified.message;
    if (
      verified.signer !== address ||
      message.challengeId !== challenge.challengeId ||
      message.answerHash !== answerHash(challenge.challengeId, reply.answer)
    ) {
      throw new IdlegridError(
        'MESSAGE_INVALID',
        `the answer to ${challenge.challengeId} is not ${address}'s`,
      );
    }
    return { kind: 'HardwareAnswer', message, signature: verified.signature };
  }

  async #record(address: Address, verdict: ChallengeVerdict): Promise<void> {
    const { registry } = this.deps;
    const { record, slash } = registry.recordChallenge(address, verdict, Date.now());
    this.deps.onVerdict?.(address, verdict);
    if (!slash) return;
    const evidence = hardwareEvidence(address, record);
    await this.deps.artifacts.put(evidence.bytes);
    registry.punished({
      provider: address,
      reason: `hardware-claim-failed:${record.resource}`,
      evidenceHash: evidence.hash,
    });
    await this.deps
      .slash?.({
        provider: address,
        jobValue: this.deps.settings?.slashValue ?? 10n ** 18n,
        evidenceHash: evidence.hash,
        challenger: zeroAddress,
      })
      .catch(() => {});
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
