import type { SqlDialect } from './dialect.js'

/**
 * The bound values of one statement, collected in the order their placeholders appear in the
 * text (SQLite's `?` is positional): write the SQL left to right, calling `v` at each value.
 */
export class Params {
  readonly list: unknown[] = []
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  /** The placeholder of `value`. */
  v(value: unknown): string {
    return this.#d.param(this.list, value)
  }

  /** `expr` is one of `values`, bound as one parameter. */
  in(expr: string, values: readonly string[]): string {
    return this.#d.inList(expr, values, this.list)
  }

  limit(count: number): string {
    return this.#d.limit(count, this.list)
  }
}
