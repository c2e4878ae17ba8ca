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
}
