import { IdlegridError, type JobSpec, type NetworkDomain, verifySignedMessage } from '@idlegrid/protocol';
import type { Address } from 'viem';
import { z } from 'zod';
import type { JobStore } from '../jobs/api.js';
import { JOB_MESSAGES, wireRecord } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { ArtifactCopies } from '../store/artifact-copies.js';
import { specOf } from './dispatcher.js';
import type { JobEventBus } from './job-event-bus.js';
import { CANCELLABLE } from './job-intake.js';
import type { ProviderRegistry } from './provider-registry.js';

const receiptAnswerSchema = z.object({ receipt: z.unknown() });

/** How often notices that got no receipt are sent again to providers that are online. */
const RETRY_MS = 5_000;

/**
 * Carries erasures to every copy (see store/artifact-copies.ts). When an artifact's bytes are
 * destroyed, the jobs that still need it are cancelled (they have not been paid for: nothing is
 * charged), and each provider that was given it is told to delete its copy and answers with a
 * signed ErasureReceipt. A provider that is offline is told when it says hello again, and every
 * few seconds while it is online and has not answered.
 */
export class ErasureRelay {
  /** (cid, provider) notices in flight. */
  readonly #sending = new Set<string>();
  #lastRetry = 0;

  constructor(
    private readonly deps: {
      copies: ArtifactCopies;
      registry: ProviderRegistry;
      channel: MessageChannel;
      domain: NetworkDomain;
      store: JobStore;
      bus: JobEventBus;
      now?: () => number;
    },
  ) {}

  /** A job naming these artifacts was assigned to `provider`: it may keep copies from now on. */
  assigned(spec: JobSpec, provider: Address): void {
    const cids = [spec.moduleCid, ...spec.inputCids].filter((cid) => cid !== '');
    this.deps.copies.record(cids, provider, this.#now()).catch(() => {});
  }

  /**
   * The artifact's bytes were destroyed: the jobs that need it end, and every provider that was
   * given it is told. Resolves once they are told (receipts come as they come).
   */
  async erased(cid: string): Promise<{ providers: Address[]; cancelled: string[] }> {
    const cancelled = await this.cancelJobsUsing(cid, 'artifact erased');
    const providers = await this.deps.copies.erase(cid, this.#now());
    for (const provider of providers) void this.#notify(cid, provider);
    return { providers, cancelled };
  }

  /** A provider said hello: the erasures it missed while away. */
  async reconnected(provider: Address): Promise<void> {
    for (const cid of await this.deps.copies.pendingFor(provider)) void this.#notify(cid, provider);
  }

  /** Each pass: notices still unanswered go again to providers that are online, every few seconds. */
  async retry(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastRetry < RETRY_MS) return;
    this.#lastRetry = now;
    for (const provider of await this.deps.copies.providersPending()) {
      if (this.deps.registry.isOnline(provider, now)) await this.reconnected(provider);
    }
  }

  /**
   * Cancels the jobs not yet run to their end that name `cid` (only `client`'s, when given): its
   * bytes are gone, or the client's grant on it was revoked. Unaccepted jobs are never charged.
   */
  async cancelJobsUsing(cid: string, reason: string, client?: Address): Promise<string[]> {
    const open = await this.deps.store.list({
      states: CANCELLABLE,
      limit: 10_000,
      ...(client ? { client } : {}),
    });
    const using = open.filter((job) => {
      const spec = specOf(job);
      return spec.moduleCid === cid || spec.inputCids.includes(cid);
    });
    const cancelled: string[] = [];
    for (const job of using) {
      const ended = await this.deps.store
        .transition(job.id, 'cancelled', {
          from: CANCELLABLE,
          patch: {
            error: client
              ? { code: 'ARTIFACT_ACCESS_DENIED', message: `the grant on artifact ${cid} was revoked` }
              : { code: 'ARTIFACT_ERASED', message: `artifact ${cid} was erased by its owner` },
          },
          detail: { reason, cid },
        })
        .catch(() => undefined); // it moved on meanwhile
      if (!ended) continue;
      this.deps.bus.publish(ended);
      cancelled.push(job.id);
    }
    return cancelled;
  }

  async #notify(cid: string, provider: Address): Promise<void> {
    const key = `${cid}/${provider}`;
    const peer = this.deps.registry.get(provider)?.peer;
    if (!peer || this.#sending.has(key)) return;
    this.#sending.add(key);
    try {
      const answer = receiptAnswerSchema.parse(
        await this.deps.channel.request(peer, JOB_MESSAGES.erase, { cid }, { timeoutMs: 10_000 }),
      );
      const receipt = await verifySignedMessage(this.deps.domain, answer.receipt, { kind: 'ErasureReceipt' });
      if (receipt.signer !== provider || receipt.message.cid !== cid) {
        throw new IdlegridError('SIGNER_MISMATCH', `the receipt for ${cid} is not ${provider}'s`);
      }
      await this.deps.copies.confirm(
        cid,
        provider,
        wireRecord({ kind: receipt.kind, message: receipt.message, signature: receipt.signature }),
        this.#now(),
      );
    } catch {
      // Unreachable, or an answer that is no receipt: the notice stays, and is sent again.
    } finally {
      this.#sending.delete(key);
    }
  }

  /** Every provider's part in the erasure of `cid`, receipts included. */
  noticesOf(cid: string) {
    return this.deps.copies.noticesOf(cid);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
