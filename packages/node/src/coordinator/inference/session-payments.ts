import { IdlegridError, type NetworkDomain, type SignedMessage, signMessage } from '@idlegrid/protocol';
import { type ApiKey, VOUCHER_LIFETIME_SECONDS } from '@idlegrid/sdk';
import type { LocalAccount } from 'viem';
import type { JobRecord } from '../../jobs/api.js';
import type { PaymentLedger } from '../../store/payment-ledger.js';
import type { PaymentForwarder } from '../payment-forwarder.js';
import type { SessionSpending } from './session-spending.js';

/**
 * Pays accepted inference jobs with the API key itself: for each payee, the next cumulative
 * voucher of the client's channel, signed by the session key, relayed through the forwarder
 * (which checks it as it checks any client's). One client's payments go one at a time, since
 * each voucher builds on the last one recorded for its provider.
 */
export class SessionPayments {
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: {
      domain: NetworkDomain;
      forwarder: PaymentForwarder;
      ledger: PaymentLedger;
      spending: SessionSpending;
    },
  ) {}

  /** Pays what the job owes, signed by the key's `session` account, and returns the total. */
  pay(key: ApiKey, session: LocalAccount, job: JobRecord): Promise<bigint> {
    const id = key.client.toLowerCase();
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const paying = previous.catch(() => {}).then(() => this.#pay(key, session, job));
    this.#queues.set(id, paying);
    void paying
      .finally(() => {
        if (this.#queues.get(id) === paying) this.#queues.delete(id);
      })
      .catch(() => {});
    return paying;
  }

  async #pay(key: ApiKey, session: LocalAccount, job: JobRecord): Promise<bigint> {
    const owed = (await this.deps.forwarder.payees(job.id)).filter((payee) => !payee.paid);
    if (owed.length === 0) {
      if (job.state === 'settled') return 0n;
      throw new IdlegridError('COORDINATOR_BAD_RESPONSE', `accepted job ${job.id} names no payee`);
    }
    const expiry = BigInt(Math.floor(Date.now() / 1000)) + VOUCHER_LIFETIME_SECONDS;
    const vouchers: SignedMessage<'Voucher'>[] = [];
    let total = 0n;
    for (const payee of owed) {
      const latest = await this.deps.ledger.latest(key.client, payee.provider);
      const amount = BigInt(payee.amount);
      total += amount;
      vouchers.push(
        await signMessage(session, this.deps.domain, 'Voucher', {
          client: key.client,
          provider: payee.provider,
          cumulativeAmount: latest.cumulativeAmount + amount,
          nonce: latest.nonce + 1n,
          expiry,
        }),
      );
    }
    // Counted as soon as signed: a voucher that reached its provider can be redeemed even if relaying the rest fails.
    this.deps.spending.signed(key.client, session.address, total);
    await this.deps.forwarder.pay(job.id, { vouchers });
    return total;
  }
}
