import type { SignedMessage } from '@idlegrid/protocol';
import { toWireJson } from '@idlegrid/protocol';
import type { Kysely } from 'kysely';
import type { Address } from 'viem';
import type { Database } from './schema.js';

export interface VoucherState {
  cumulativeAmount: bigint;
  nonce: bigint;
}

/** The latest voucher the coordinator forwarded for each (client, provider) pair. */
export class PaymentLedger {
  constructor(private readonly db: Kysely<Database>) {}

  async latest(client: Address, provider: Address): Promise<VoucherState> {
    const row = await this.db
      .selectFrom('vouchers')
      .select(['cumulative_amount', 'nonce'])
      .where('client', '=', client)
      .where('provider', '=', provider)
      .executeTakeFirst();
    return row
      ? { cumulativeAmount: BigInt(row.cumulative_amount), nonce: BigInt(row.nonce) }
      : { cumulativeAmount: 0n, nonce: 0n };
  }

  /** The latest voucher of a pair as the provider redeems it (wire JSON), if any. */
  async voucherOf(client: Address, provider: Address): Promise<unknown> {
    const row = await this.db
      .selectFrom('vouchers')
      .select('voucher')
      .where('client', '=', client)
      .where('provider', '=', provider)
      .executeTakeFirst();
    return row ? (JSON.parse(row.voucher) as unknown) : undefined;
  }

  async record(voucher: SignedMessage<'Voucher'>, now: number): Promise<void> {
    const { client, provider, cumulativeAmount, nonce } = voucher.message;
    const values = {
      cumulative_amount: cumulativeAmount.toString(),
      nonce: nonce.toString(),
      voucher: toWireJson(voucher),
      updated_at: now,
    };
    await this.db
      .insertInto('vouchers')
      .values({ client, provider, ...values })
      .onConflict((conflict) => conflict.columns(['client', 'provider']).doUpdateSet(values))
      .execute();
  }

  /** The latest voucher of every (client, provider) pair. */
  async all(): Promise<(VoucherState & { client: Address; provider: Address; updatedAt: number })[]> {
    const rows = await this.db
      .selectFrom('vouchers')
      .select(['client', 'provider', 'cumulative_amount', 'nonce', 'updated_at'])
      .execute();
    return rows.map((row) => ({
      client: row.client as Address,
      provider: row.provider as Address,
      cumulativeAmount: BigInt(row.cumulative_amount),
      nonce: BigInt(row.nonce),
      updatedAt: Number(row.updated_at),
    }));
  }

  /** What each provider has been paid by voucher so far, over all its clients. */
  async paidByProvider(): Promise<Map<Address, bigint>> {
    const paid = new Map<Address, bigint>();
    for (const voucher of await this.all())
      paid.set(voucher.provider, (paid.get(voucher.provider) ?? 0n) + voucher.cumulativeAmount);
    return paid;
  }
}
