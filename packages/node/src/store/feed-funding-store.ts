import { type SignedMessage, toWireJson } from '@idlegrid/protocol';
import type { Kysely, Transaction } from 'kysely';
import { type Address, getAddress } from 'viem';
import type { Database } from './schema.js';

export interface StoredFunding {
  id: string;
  buyer: Address;
  feed: string;
  /** The buyer's signed FeedFunding (wire JSON when read back). */
  funding: SignedMessage<'FeedFunding'> | unknown;
  spent: bigint;
  createdAt: number;
}

export interface OwnerReward {
  fundingId: string;
  owner: Address;
  readings: number;
  owed: bigint;
  paid: bigint;
}

/** Feed fundings and what each owes each device owner (see feeds/feed-rewards.ts). */
export class FeedFundingStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new funding; false when one of that id exists already. */
  async create(funding: StoredFunding): Promise<boolean> {
    const inserted = await this.db
      .insertInto('feed_fundings')
      .values({
        id: funding.id,
        buyer: funding.buyer.toLowerCase(),
        feed: funding.feed,
        funding: toWireJson(funding.funding),
        spent: funding.spent.toString(),
        created_at: funding.createdAt,
      })
      .onConflict((c) => c.column('id').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(id: string, db: Kysely<Database> = this.db): Promise<StoredFunding | undefined> {
    const row = await db.selectFrom('feed_fundings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fundingOf(row) : undefined;
  }

  async ofFeed(feed: string, db: Kysely<Database> = this.db): Promise<StoredFunding[]> {
    const rows = await db.selectFrom('feed_fundings').selectAll().where('feed', '=', feed).execute();
    return rows.map(fundingOf);
  }

  /** Adds what a batch owes to a funding's owners and its new spent amount, in the caller's transaction. */
  async addOwed(
    trx: Transaction<Database>,
    fundingId: string,
    spent: bigint,
    byOwner: ReadonlyMap<string, { readings: number; owed: bigint }>,
    now: number,
  ): Promise<void> {
    await trx
      .updateTable('feed_fundings')
      .set({ spent: spent.toString() })
      .where('id', '=', fundingId)
      .execute();
    for (const [owner, { readings, owed }] of byOwner) {
      const key = owner.toLowerCase();
      const current = await trx
        .selectFrom('feed_rewards')
        .select(['readings', 'owed'])
        .where('funding_id', '=', fundingId)
        .where('owner', '=', key)
        .executeTakeFirst();
      if (current)
        await trx
          .updateTable('feed_rewards')
          .set({
            readings: current.readings + readings,
            owed: (BigInt(current.owed) + owed).toString(),
            updated_at: now,
          })
          .where('funding_id', '=', fundingId)
          .where('owner', '=', key)
          .execute();
      else
        await trx
          .insertInto('feed_rewards')
          .values({
            funding_id: fundingId,
            owner: key,
            readings,
            owed: owed.toString(),
            paid: '0',
            updated_at: now,
          })
          .execute();
    }
  }

  /** Records a voucher's payment of `amount` more to an owner, if it pays no more than is owed. */
  async addPaid(fundingId: string, owner: Address, amount: bigint, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('feed_rewards')
        .select(['owed', 'paid'])
        .where('funding_id', '=', fundingId)
        .where('owner', '=', owner.toLowerCase())
        .executeTakeFirst();
      if (!current || BigInt(current.paid) + amount > BigInt(current.owed)) return false;
      await trx
        .updateTable('feed_rewards')
        .set({ paid: (BigInt(current.paid) + amount).toString(), updated_at: now })
        .where('funding_id', '=', fundingId)
        .where('owner', '=', owner.toLowerCase())
        .execute();
      return true;
    });
  }

  async rewardsOf(fundingId: string): Promise<OwnerReward[]> {
    const rows = await this.db
      .selectFrom('feed_rewards')
      .selectAll()
      .where('funding_id', '=', fundingId)
      .execute();
    return rows.map(rewardOf);
  }

  async rewardsFor(owner: Address): Promise<OwnerReward[]> {
    const rows = await this.db
      .selectFrom('feed_rewards')
      .selectAll()
      .where('owner', '=', owner.toLowerCase())
      .execute();
    return rows.map(rewardOf);
  }
}

function fundingOf(row: {
  id: string;
  buyer: string;
  feed: string;
  funding: string;
  spent: string;
  created_at: number | string;
}): StoredFunding {
  return {
    id: row.id,
    buyer: getAddress(row.buyer),
    feed: row.feed,
    funding: JSON.parse(row.funding) as unknown,
    spent: BigInt(row.spent),
    createdAt: Number(row.created_at),
  };
}

function rewardOf(row: {
  funding_id: string;
  owner: string;
  readings: number;
  owed: string;
  paid: string;
}): OwnerReward {
  return {
    fundingId: row.funding_id,
    owner: getAddress(row.owner),
    readings: row.readings,
    owed: BigInt(row.owed),
    paid: BigInt(row.paid),
  };
}
