import type { Compilable, Transaction } from 'kysely';
import { PreparedQuery } from './prepared-query.js';

/**
 * Many rows of fixed columns inserted in few statements, each statement's SQL compiled once
 * (PreparedQuery): Kysely parses and compiles a thousand rows' `values` afresh on every call,
 * which cost more than SQLite's writing them (a feed's readings and scores, tens of thousands a
 * second; docs/benchmarks.md). Statements hold a power of two of rows (a batch of 1,000 is 512 +
 * 256 + 128 + 64 + 32 + 8), so that a dozen compiled statements serve every batch size.
 */
export class RowsInsert<Column extends string> {
  readonly #statements = new Map<number, { query: PreparedQuery<string>; slots: Int32Array }>();
  /** The most rows a statement holds: a power of two, within SQLite's 32,766 values a statement. */
  readonly #most: number;

  constructor(
    private readonly columns: readonly Column[],
    /** The insert of these rows (each value a stand-in), with what follows it (a conflict clause). */
    private readonly build: (rows: Record<Column, unknown>[]) => Compilable,
  ) {
    this.#most = 2 ** Math.floor(Math.log2(30_000 / columns.length));
  }

  /** Inserts the rows in the transaction; how many were inserted (a conflict clause may skip some). */
  async run<DB>(trx: Transaction<DB>, rows: readonly Readonly<Record<Column, unknown>>[]): Promise<number> {
    let inserted = 0;
    let at = 0;
    while (at < rows.length) {
      const left = rows.length - at;
      const count = left >= this.#most ? this.#most : 2 ** Math.floor(Math.log2(left));
      const { query, slots } = this.#statement(count);
      const width = this.columns.length;
      const parameters = new Array<unknown>(slots.length);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        parameters[i] = rows[at + Math.floor(slot / width)]![this.columns[slot % width]!];
      }
      const result = await trx.executeQuery(query.withParameters(parameters));
      inserted += Number(result.numAffectedRows ?? 0n);
      at += count;
    }
    return inserted;
  }

  /** The statement for `count` rows, and where each of its parameters comes from (row × width + column). */
  #statement(count: number) {
    let statement = this.#statements.get(count);
    if (!statement) {
      const query = new PreparedQuery((value) =>
        this.build(
          Array.from(
            { length: count },
            (_, row) =>
              Object.fromEntries(this.columns.map((column, c) => [column, value(`${row}:${c}`)])) as Record<
                Column,
                unknown
              >,
          ),
        ),
      );
      const width = this.columns.length;
      const slots = Int32Array.from(query.names, (name) => {
        const [row, column] = name.split(':').map(Number) as [number, number];
        return row * width + column;
      });
      statement = { query, slots };
      this.#statements.set(count, statement);
    }
    return statement;
  }
}
