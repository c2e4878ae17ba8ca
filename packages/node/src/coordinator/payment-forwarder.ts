import { IdlegridError, type NetworkDomain, verifySignedMessage } from '@idlegrid/protocol';
import type { JobRecord, JobStore } from '../jobs/api.js';
import { JOB_MESSAGES } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { PaymentLedger } from '../store/payment-ledger.js';
import type { JobEventBus } from './job-event-bus.js';
import type { ProviderRegistry } from './provider-registry.js';

export interface PaymentForwarderDeps {
  store: JobStore;
  payments: PaymentLedger;
  registry: ProviderRegistry;
  channel: MessageChannel;
  bus: JobEventBus;
  domain: NetworkDomain;
}

/**
 * Settles an accepted job: checks that the client's cumulative voucher pays at least the
 * job's price on top of what that provider was already paid, hands it to the provider
 * (who alone can redeem it on-chain) and marks the job settled. The coordinator never
 * holds funds; it only relays a voucher it verified.
 */
export class PaymentForwarder {
  constructor(private readonly deps: PaymentForwarderDeps) {}

  async pay(jobId: string, voucherInput: unknown): Promise<JobRecord> {
    const job = await this.deps.store.get(jobId);
    if (job.state !== 'accepted' || !job.provider || job.price === null) {
      throw new IdlegridError(
        'JOB_INVALID_TRANSITION',
        `job ${jobId} is ${job.state}: only accepted jobs are paid`,
        {
          details: { jobId, state: job.state },
        },
      );
    }
    const { message, signature } = await verifySignedMessage(this.deps.domain, voucherInput, {
      kind: 'Voucher',
    });
    if (message.client !== job.client || message.provider !== job.provider) {
      throw new IdlegridError(
        'VOUCHER_WRONG_PROVIDER',
        'the voucher is not from this job’s client to its provider',
      );
    }
    const previous = await this.deps.payments.latest(job.client, job.provider);
    const increment = message.cumulativeAmount - previous.cumulativeAmount;
    if (message.nonce <= previous.nonce || increment < BigInt(job.price)) {
      throw new IdlegridError(
        'PAYMENT_INSUFFICIENT',
        `the voucher adds ${increment}, the job costs ${job.price}`,
        {
          details: {
            price: job.price,
            previousCumulative: previous.cumulativeAmount.toString(),
            previousNonce: previous.nonce.toString(),
          },
        },
      );
    }
    const peer = this.deps.registry.get(job.provider)?.peer;
    if (!peer) throw new IdlegridError('P2P_UNREACHABLE', `provider ${job.provider} is not connected`);
    const voucher = { kind: 'Voucher' as const, message, signature };
    await this.deps.channel.request(peer, JOB_MESSAGES.payment, { voucher });
    await this.deps.payments.record(voucher, Date.now());
    const settled = await this.deps.store.transition(jobId, 'settled', {
      detail: { cumulativeAmount: message.cumulativeAmount.toString(), nonce: message.nonce.toString() },
    });
    this.deps.bus.publish(settled);
    return settled;
  }
}
