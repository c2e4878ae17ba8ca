import type { Compilable, CompiledQuery } from 'kysely';

/** Marks where a named value goes in a query built once (see PreparedQuery). */
const MARK = '\u0000prepared:';

/**
 * A query of a fixed shape compiled once, then run with new values: Kysely builds and compiles
 * its SQL afresh on every call, which costs more than running the query in SQLite. `build`
 * receives a function standing for each named value and returns the query; every value of the
 * query must be one of them (the compiled parameters are checked).
 */
export class PreparedQuery<Name extends string> {
  readonly #compiled: CompiledQuery;
  /** The named values in the order the query's parameters take them. */
  readonly names: readonly Name[];

  // biome-ignore lint/suspicious/noExplicitAny: a marker stands for a value of any column's type
  constructor(build: (value: (name: Name) => any) => Compilable) {
    this.#compiled = build((name) => `${MARK}${name}`).compile();
    this.names = this.#compiled.parameters.map((parameter) => {
      if (typeof parameter !== 'string' || !parameter.startsWith(MARK)) {
        throw new Error(`a prepared query has a fixed value: ${String(parameter)}`);
      }
      return parameter.slice(MARK.length) as Name;
    });
  }

  /** The query with these values, for `executeQuery`. */
  with(values: Readonly<Record<Name, unknown>>): CompiledQuery {
    return this.withParameters(this.names.map((name) => values[name]));
  }

  /** The query with its values already in the order of `names` (many rows: no record to build). */
  withParameters(parameters: readonly unknown[]): CompiledQuery {
    return { ...this.#compiled, parameters };
  }
}
