import type { Database, Statement } from 'better-sqlite3'

interface Entry {
  readonly statement: Statement
  /** The `get` tick of its last use: the smallest is the least recently used. */
  used: number
}

/**
 * Prepared statements by SQL text, least recently used evicted. Compiled filters bind their
 * values, so one filter shape is one SQL text and is prepared once, whatever the values.
 *
 * A hit only stamps the entry: keeping recency by deleting and re-inserting the Map entry
 * was a measurable cost (V8 rehashes a Map that keeps growing at one end; docs/design.md,
 * *SQLite statement shapes*), paid on every statement of every request. The price moves to
 * eviction, a scan that only happens once more distinct statements than `limit` were
 * prepared — each of those paid a prepare anyway.
 */
export class StatementCache {
  readonly #db: Database
  readonly #limit: number
  readonly #entries = new Map<string, Entry>()
  #tick = 0

  constructor(db: Database, limit = 500) {
    this.#db = db
    this.#limit = limit
  }

  get size(): number {
    return this.#entries.size
  }

  get(sql: string): Statement {
    const cached = this.#entries.get(sql)
    if (cached !== undefined) {
      cached.used = ++this.#tick
      return cached.statement
    }
    const statement = this.#db.prepare(sql)
    this.#entries.set(sql, { statement, used: ++this.#tick })
    if (this.#entries.size > this.#limit) this.#evictOldest()
    return statement
  }

  #evictOldest(): void {
    let oldest: string | undefined
    let least = Infinity
    for (const [sql, entry] of this.#entries) {
      if (entry.used < least) {
        least = entry.used
        oldest = sql
      }
    }
    if (oldest !== undefined) this.#entries.delete(oldest)
  }
}
