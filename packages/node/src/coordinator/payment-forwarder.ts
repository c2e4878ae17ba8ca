import {
  IdlegridError,
  isIdlegridError,
  type NetworkDomain,
  type SignedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { JobRecord, JobRun, JobStore } from '../jobs/api.js';
import { heldVoucherSchema, JOB_MESSAGES } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { PaymentLedger, VoucherState } from '../store/payment-ledger.js';
import type { JobEventBus } from './job-event-bus.js';
import type { DelegateCheck } from './job-intake.js';
import type { ProviderRegistry } from './provider-registry.js';

export interface PaymentForwarderDeps {
  store: JobStore;
  payments: PaymentLedger;
  registry: ProviderRegistry;
  channel: MessageChannel;
  bus: JobEventBus;
  domain: NetworkDomain;
  /** Accepts vouchers signed by a session key of the client. */
  acceptDelegate?: DelegateCheck;
}

/** Who an accepted job pays, and how much: its provider, or every run that gave a verified answer. */
export interface Payee {
  provider: Address;
  /** Token base units, as a decimal string. */
  amount: string;
  paid: boolean;
}

export interface PayOptions {
  /** Called with the job's client once every voucher is verified as its, before any is relayed. */
  admit?: (client: Address) => void;
}

/**
 * Settles an accepted job: for each payee still unpaid, checks that the client's cumulative
 * voucher pays at least its amount on top of what that provider was already paid, hands it
 * to the provider (who alone can redeem it on-chain), and records it. Once every payee is
 * paid the job is settled. A payee that cannot be reached keeps the job accepted; paying
 * again then pays only those left. The coordinator never holds funds; it only relays vouchers
 * it verified.
 */
/** Transport failures after which a voucher may or may not have arrived. */
const LOST_IN_TRANSIT = new Set(['P2P_UNREACHABLE', 'P2P_TIMEOUT']);

export class PaymentForwarder {
  constructor(private readonly deps: PaymentForwarderDeps) {}

  /**
   * The latest voucher from `client` to `provider`: this coordinator's record, brought up to
   * date with the one the provider holds. With separate stores, a client may have paid the same
   * provider through another coordinator of the mesh: a voucher that built on this
   * coordinator's record alone would not supersede the provider's, and be refused as stale.
   * The provider's copy counts only as the client signed it.
   */
  async latest(client: Address, provider: Address): Promise<VoucherState> {
    await this.#syncWithProvider(client, provider).catch(() => {});
    return this.deps.payments.latest(client, provider);
  }

  /**
   * Hands a voucher to its provider. A request lost on the way (its connection replaced under it,
   * as DCUtR does when it upgrades a relayed one) is settled by asking what the provider holds:
   * delivered if it holds this voucher or a later one, else sent once more. A provider's refusal
   * stands.
   */
  async #deliver(peer: string, voucher: SignedMessage<'Voucher'>): Promise<void> {
    try {
      await this.deps.channel.request(peer, JOB_MESSAGES.payment, { voucher });
    } catch (error) {
      const lost = !isIdlegridError(error) || LOST_IN_TRANSIT.has(error.code);
      if (!lost) throw error;
      const held = await this.deps.channel
        .request(peer, JOB_MESSAGES.heldVoucher, { client: voucher.message.client }, { timeoutMs: 5_000 })
        .then((answer) => heldVoucherSchema.parse(answer).voucher?.message.nonce)
        .catch(() => undefined);
      if (held !== undefined && BigInt(String(held)) >= voucher.message.nonce) return;
      await this.deps.channel.request(peer, JOB_MESSAGES.payment, { voucher });
    }
  }

  async #syncWithProvider(client: Address, provider: Address): Promise<void> {
    const peer = this.deps.registry.get(provider)?.peer;
    if (!peer) return;
    const answer = heldVoucherSchema.parse(
      await this.deps.channel.request(peer, JOB_MESSAGES.heldVoucher, { client }, { timeoutMs: 5_000 }),
    );
    if (!answer.voucher) return;
    const held = await verifySignedMessage(this.deps.domain, answer.voucher, {
      kind: 'Voucher',
      ...(this.deps.acceptDelegate ? { acceptDelegate: this.deps.acceptDelegate } : {}),
    });
    if (held.message.client !== client || held.message.provider !== provider) return;
    if (held.message.nonce <= (await this.deps.payments.latest(client, provider)).nonce) return;
    await this.deps.payments.record(
      { kind: 'Voucher', message: held.message, signature: held.signature },
      Date.now(),
    );
  }

  async payees(jobId: string): Promise<Payee[]> {
    const job = await this.deps.store.get(jobId);
    return payeesOf(job, await this.deps.store.runs(jobId));
  }

  /**
   * Pays what `client` owes each payee (a job's, a federated round's): checks that each voucher
   * is the client's and adds at least the amount on top of what the provider was paid, all of
   * them before any is relayed (a bad one moves nothing); then hands each to its provider and
   * records it. `paid` runs after each relay. `body`: `{ voucher }` or `{ vouchers: [...] }`.
   */
  async relay(
    client: Address,
    owed: readonly Pick<Payee, 'provider' | 'amount'>[],
    body: { voucher?: unknown; vouchers?: unknown } | undefined,
    options: PayOptions = {},
    paid?: (provider: Address) => Promise<void>,
  ): Promise<SignedMessage<'Voucher'>[]> {
    const given = Array.isArray(body?.vouchers) ? body.vouchers : [body?.voucher];
    const vouchers = await Promise.all(
      given.map((input) =>
        verifySignedMessage(this.deps.domain, input, {
          kind: 'Voucher',
          ...(this.deps.acceptDelegate ? { acceptDelegate: this.deps.acceptDelegate } : {}),
        }),
      ),
    );
    const toRelay: SignedMessage<'Voucher'>[] = [];
    for (const payee of owed) {
      const voucher = vouchers.find((v) => v.message.provider === payee.provider);
      if (!voucher || voucher.message.client !== client) {
        throw new IdlegridError('VOUCHER_WRONG_PROVIDER', `no voucher from the client to ${payee.provider}`, {
          details: { payees: owed },
        });
      }
      // The quote the client built on (`latest`, GET /v1/payments/...) already brought the ledger
      // up to date with the provider's voucher: no second round trip to the provider per payment.
      const previous = await this.deps.payments.latest(client, payee.provider);
      const increment = voucher.message.cumulativeAmount - previous.cumulativeAmount;
      if (voucher.message.nonce <= previous.nonce || increment < BigInt(payee.amount)) {
        throw new IdlegridError(
          'PAYMENT_INSUFFICIENT',
          `the voucher to ${payee.provider} adds ${increment}, ${payee.amount} is owed`,
          {
            details: {
              provider: payee.provider,
              price: payee.amount,
              previousCumulative: previous.cumulativeAmount.toString(),
              previousNonce: previous.nonce.toString(),
            },
          },
        );
      }
      toRelay.push({ kind: 'Voucher', message: voucher.message, signature: voucher.signature });
    }
    // The vouchers are the client's: the API's limits count the payment for it (may throw).
    options.admit?.(client);
    for (const voucher of toRelay) {
      const provider = voucher.message.provider;
      const peer = this.deps.registry.get(provider)?.peer;
      if (!peer) throw new IdlegridError('P2P_UNREACHABLE', `provider ${provider} is not connected`);
      await this.#deliver(peer, voucher);
      await this.deps.payments.record(voucher, Date.now());
      await paid?.(provider);
    }
    return toRelay;
  }

  /** `body`: `{ voucher }`, or `{ vouchers: [...] }` with one per payee left to pay. */
  async pay(
    jobId: string,
    body: { voucher?: unknown; vouchers?: unknown } | undefined,
    options: PayOptions = {},
  ): Promise<JobRecord> {
    const job = await this.deps.store.get(jobId);
    if (job.state !== 'accepted' || !job.provider || job.price === null) {
      throw new IdlegridError(
        'JOB_INVALID_TRANSITION',
        `job ${jobId} is ${job.state}: only accepted jobs are paid`,
        { details: { jobId, state: job.state } },
      );
    }
    const runs = await this.deps.store.runs(jobId);
    const owed = payeesOf(job, runs).filter((payee) => !payee.paid);
    const toRelay = await this.relay(job.client, owed, body, options, async (provider) => {
      const run = runs.find((r) => r.provider === provider && r.charge);
      if (run) await this.deps.store.putRun({ ...run, paidAt: Date.now() });
    });
    const settled = await this.deps.store.transition(jobId, 'settled', {
      detail: {
        payments: toRelay.map(({ message }) => ({
          provider: message.provider,
          cumulativeAmount: message.cumulativeAmount.toString(),
          nonce: message.nonce.toString(),
        })),
      },
    });
    this.deps.bus.publish(settled);
    return settled;
  }
}

/** A verified job pays each run that gave its answer (they carry a charge); any other, its provider. */
export function payeesOf(job: JobRecord, runs: readonly JobRun[]): Payee[] {
  const charged = runs.filter((run) => run.charge);
  if (charged.length > 0) {
    return charged.map((run) => ({ provider: run.provider, amount: run.charge!, paid: run.paidAt != null }));
  }
  if (!job.provider || job.price === null) return [];
  return [{ provider: job.provider, amount: job.price, paid: job.state === 'settled' }];
}
