/**
 * Runs store work (`Work<T>`, src/store/sql/statement.ts) on PostgreSQL: one round trip per
 * statement, on the pool (reads outside transactions) or on the client of one transaction.
 */
import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { Statement, StatementObserver, StatementResult, Work } from '../sql/statement.js'

/** A pool, or the client a transaction holds. */
export type Queryable = Pick<pg.Pool, 'query'>

export class PostgresRunner {
  /** Statement names by SQL text: the same text has the same name on every connection. */
  readonly #names = new Map<string, string>()
  readonly #observe: StatementObserver | undefined

  constructor(observe?: StatementObserver) {
    this.#observe = observe
  }

  async run<T>(work: Work<T>, db: Queryable): Promise<T> {
    let step = work.next()
    while (step.done !== true) {
      let result: StatementResult
      try {
        result = await this.#execute(step.value, db)
      } catch (e) {
        step = work.throw(e)
        continue
      }
      step = work.next(result)
    }
    return step.value
  }

  async #execute(statement: Statement, db: Queryable): Promise<StatementResult> {
    this.#observe?.(statement)
    const config: pg.QueryConfig & { rowMode?: 'array' } = { text: statement.sql, values: [...statement.params] }
    // Fixed statements are prepared once per connection, by a name derived from their text;
    // PostgreSQL plans an unnamed one for the values at hand.
    if (statement.prepare === true) config.name = this.#name(statement.sql)
    if (statement.arrays === true) config.rowMode = 'array'
    const result = await db.query(config)
    return { rows: result.rows, changes: result.rowCount ?? 0 }
  }

  #name(text: string): string {
    let name = this.#names.get(text)
    if (name === undefined) {
      name = `roster_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
      this.#names.set(text, name)
    }
    return name
  }
}
