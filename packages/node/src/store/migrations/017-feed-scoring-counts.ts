import { type Kysely, type Migration, sql } from 'kysely';

/**
 * How many of each device's readings of a feed were scored and rewardable, kept with its
 * history instead of counted over every score on each read (the devices' page, polled, counted
 * them all); and a feed's scoring mark from its first reading on, so that the scorer finds the
 * feeds behind without reading every reading.
 */
export const feedScoringCountsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['scored', 'rewardable'])
      await db.schema
        .alterTable('device_quality')
        .addColumn(column, 'integer', (col) => col.notNull().defaultTo(0))
        .execute();
    await sql`update device_quality set
      scored = (select count(*) from reading_scores s where s.device = device_quality.device and s.feed = device_quality.feed),
      rewardable = (select coalesce(sum(s.rewardable), 0) from reading_scores s where s.device = device_quality.device and s.feed = device_quality.feed)`.execute(
      db,
    );
    await sql`insert into feed_scoring (feed, scored_through)
      select distinct feed, -1 from readings where feed not in (select feed from feed_scoring)`.execute(db);
  },
};
