/**
 * One SQLite connection serves every caller, so a transaction left open across `await`s would
 * show its uncommitted writes to anyone else using the connection — and take their writes into
 * its rollback. The gate runs one transaction at a time, and makes work from outside wait while
 * one is open.
 */
export class TransactionGate {
  #held = false
  /** A transaction is open on the connection: other work must wait. */
  #open = false
  readonly #writers: (() => void)[] = []
  #waiting: (() => void)[] = []

  get open(): boolean {
    return this.#open
  }

  /** Waits for the turn to run a transaction; call `release()` when it has ended. */
  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#writers.push(resolve))
  }

  /** Marks the transaction as open (after BEGIN) or ended (after COMMIT/ROLLBACK). */
  setOpen(open: boolean): void {
    this.#open = open
  }

  /**
   * Hands the turn to the next transaction. Work that waited runs first: its continuations are
   * queued before the next transaction's, and `whenClosed()` callers re-check `open` anyway.
   */
  release(): void {
    this.#open = false
    const waiting = this.#waiting
    this.#waiting = []
    for (const resume of waiting) resume()
    const next = this.#writers.shift()
    if (next) next()
    else this.#held = false
  }

  /** Resolves once no transaction is open. Loop on `open`: another may start before the caller resumes. */
  whenClosed(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve))
  }
}
