/**
 * Store work written once for every database. A query is a generator (`Work<T>`) that yields
 * the statements it needs, one at a time, and receives each one's result: it decides what to
 * run next from what came back, and returns the answer. The generator does no I/O itself, so
 * the same code runs synchronously on SQLite (better-sqlite3, inside the store's read batch or
 * write transaction: nothing may await there) and asynchronously on PostgreSQL (one round trip
 * per yield). Each store has one small executor (`runSqlite`, `runPostgres`); everything that
 * differs in the SQL itself is asked of the `SqlDialect`.
 *
 * Errors: a statement that fails is thrown into the generator at its `yield`, so work can catch
 * what it expects (a unique-key violation that means 409) and let the rest propagate.
 */

export interface Statement {
  readonly sql: string
  /** Bound values, in placeholder order (`SqlDialect.param` numbers them). */
  readonly params: readonly unknown[]
  /**
   * A fixed text worth preparing once per connection (PostgreSQL names it); compiled filters
   * of unbounded shapes leave it off. SQLite caches every text it runs anyway.
   */
  readonly prepare?: boolean
  /** Rows as arrays of column values in select-list order, not objects (cheaper for big pages). */
  readonly arrays?: boolean
}

export interface StatementResult {
  /** The rows a statement returned (none for statements without RETURNING or a select list). */
  readonly rows: readonly unknown[]
  /** Rows inserted, updated or deleted. */
  readonly changes: number
}

export type Work<T> = Generator<Statement, T, StatementResult>

/** Sees every statement an executor runs: for tests that count or inspect them. */
export type StatementObserver = (statement: Statement) => void

/** The rows of `result`, typed as the caller knows them to be. */
export const rowsOf = <R>(result: StatementResult): R[] => result.rows as R[]
