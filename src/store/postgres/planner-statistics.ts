/**
 * Keeps PostgreSQL's planner statistics in step with a tenant that grows fast. Autovacuum
 * analyses a table only after a minute's nap and 10% of change, and until it has, the planner
 * believes a new table holds one row: it then answered `userName eq` and group member reads by
 * walking the seq index and filtering every row, many times slower than an index read
 * (docs/design.md, *PostgreSQL*, has the figures). So the store itself looks in the background
 * after every 500 rows it writes, and analyses the tables that are `stale`.
 *
 * Whether they are is the database's answer, not this process's: when each process decided
 * from its own writes (ANALYZE after 500, 1,000, 2,000, … of them), several processes, or one
 * restarted on a large table, repeated ANALYZEs another had just run, each a noticeable share
 * of PostgreSQL's CPU on a large table. A look is one small query.
 */

/** What PostgreSQL knows of a table: `pg_class.reltuples`, `pg_stat_user_tables.n_mod_since_analyze`. */
export interface TableStatistics {
  /** Rows the planner believes the table holds; below 0 when it was never analysed. */
  readonly known: number
  /** Rows inserted, updated or deleted since the last ANALYZE (by anyone, autovacuum included). */
  readonly changed: number
}

/**
 * Stale: never analysed, or changed by at least half the rows the planner knows of (at most
 * 500,000): estimates off by half are where plans flip. The counts reach the statistics views
 * a second or so late; a table analysed moments ago by another process is therefore fresh.
 */
export function stale(table: TableStatistics): boolean {
  if (table.known < 0) return true
  return table.changed >= Math.min(Math.max(table.known / 2, 1), 500_000)
}
export class PlannerStatistics {
  /** Looks at the statistics and analyses the stale tables (postgres-store.ts). */
  readonly #refresh: () => Promise<unknown>
  readonly #every: number
  #since = 0
  #running: Promise<unknown> | undefined

  constructor(refresh: () => Promise<unknown>, options: { every?: number } = {}) {
    this.#refresh = refresh
    this.#every = options.every ?? 500
  }

  /** Called after a commit with the number of rows it wrote. */
  note(rows: number): void {
    this.#since += rows
    if (this.#since < this.#every || this.#running) return
    this.#since = 0
    // Best effort: statistics are an optimisation, never a reason to fail a request.
    this.#running = this.#refresh()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined
      })
  }

  /** Resolves once no ANALYZE is running (the store waits for it before closing its pool). */
  async settled(): Promise<void> {
    await this.#running
  }
}
