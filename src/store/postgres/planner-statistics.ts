/**
 * Keeps PostgreSQL's planner statistics in step with a tenant that grows fast. Autovacuum
 * analyses a table only after a minute's nap and 10% of change, and until it has, the planner
 * believes a new table holds one row: it then answered `userName eq` and group member reads by
 * walking the seq index and filtering every row (measured: 155 ms for a 1,000-member group at
 * 5,000 users instead of ~3 ms). So the store itself runs `ANALYZE` in the background after
 * 500 written rows, then 1,000, 2,000, … (doubling up to every 1,000,000).
 */
export class PlannerStatistics {
  readonly #analyze: () => Promise<unknown>
  #since = 0
  #next: number
  #running: Promise<unknown> | undefined

  constructor(analyze: () => Promise<unknown>, options: { first?: number } = {}) {
    this.#analyze = analyze
    this.#next = options.first ?? 500
  }

  /** Called after a commit with the number of rows it wrote. */
  note(rows: number): void {
    this.#since += rows
    if (this.#since < this.#next || this.#running) return
    this.#since = 0
    this.#next = Math.min(this.#next * 2, 1_000_000)
    // Best effort: statistics are an optimisation, never a reason to fail a request.
    this.#running = this.#analyze()
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
