import type { Database, Statement } from 'better-sqlite3'

/**
 * Prepared statements by SQL text, least recently used evicted. Compiled filters bind their
 * values, so one filter shape is one SQL text and is prepared once, whatever the values.
 */
export class StatementCache {
  readonly #db: Database
  readonly #limit: number
  readonly #statements = new Map<string, Statement>()

  constructor(db: Database, limit = 500) {
    this.#db = db
    this.#limit = limit
  }

  get size(): number {
    return this.#statements.size
  }

  get(sql: string): Statement {
    const cached = this.#statements.get(sql)
    if (cached !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.#statements.delete(sql)
      this.#statements.set(sql, cached)
      return cached
    }
    const statement = this.#db.prepare(sql)
    this.#statements.set(sql, statement)
    if (this.#statements.size > this.#limit) {
      const oldest = this.#statements.keys().next()
      if (!oldest.done) this.#statements.delete(oldest.value)
    }
    return statement
  }
}
