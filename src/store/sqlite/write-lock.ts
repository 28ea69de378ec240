/**
 * Takes SQLite's write lock (`BEGIN IMMEDIATE`) on the store's one connection without letting
 * SQLite wait for it.
 *
 * SQLite's own busy handler is the wrong way to wait here, for two reasons (docs/design.md,
 * *Waiting for the write lock*). It sleeps on the thread that serves every request, so while
 * the checkpoint worker's TRUNCATE holds the lock (hundreds of milliseconds under load) the
 * whole server stands still. And it keeps time by adding up the sleeps it asked for, not by the
 * clock: a signal ends `nanosleep()` early, so under a sampling profiler (SIGPROF every
 * millisecond) its 5 s ran out after some 70 ms, and the write failed with a 503.
 *
 * So each attempt runs with the busy handler off, and a busy lock is waited for on timers, with
 * the deadline read from the clock; the event loop serves reads meanwhile.
 */
import type Database from 'better-sqlite3'
import { setTimeout as sleep } from 'node:timers/promises'
import { DatabaseUnavailableError } from '../database-unavailable.js'
import type { Statements } from './run-sqlite.js'

/** Pauses between attempts, in ms (SQLite's own first steps); the last one repeats. */
const BACKOFF_MS = [1, 2, 5, 10, 15, 20, 25]

/** SQLITE_BUSY or one of its extended codes (SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT). */
export const isBusy = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

export class WriteLock {
  readonly #db: Database.Database
  readonly #statements: Statements
  readonly #noWait = 'PRAGMA busy_timeout = 0'
  readonly #restore: string
  readonly timeoutMs: number
  /** Attempts that found the lock held, since the store opened. */
  #busy = 0

  /**
   * `timeoutMs` is the connection's busy timeout: how long a write may wait for the lock, and
   * what SQLite itself waits for in every other statement.
   */
  constructor(db: Database.Database, statements: Statements, timeoutMs: number) {
    this.#db = db
    this.#statements = statements
    this.timeoutMs = timeoutMs
    // A PRAGMA acts when it is prepared, so a cached statement would not set it again: exec.
    this.#restore = `PRAGMA busy_timeout = ${timeoutMs}`
  }

  /** How many attempts found the lock held (tests see that a write really waited). */
  get busyAttempts(): number {
    return this.#busy
  }

  /**
   * One attempt, without waiting: `undefined` once the write transaction is open, or the
   * SQLITE_BUSY error if another connection holds the lock. Any other error throws. The
   * connection must not be in a transaction (end the read transaction first, in the same turn).
   */
  tryBegin(): Error | undefined {
    this.#db.exec(this.#noWait)
    try {
      this.#statements.get('BEGIN IMMEDIATE').run()
      return undefined
    } catch (e) {
      if (!isBusy(e)) throw e
      this.#busy++
      return e as Error
    } finally {
      this.#db.exec(this.#restore)
    }
  }

  /**
   * Takes the lock, waiting on timers up to the busy timeout from now; past it, throws
   * DatabaseUnavailableError (HTTP 503). `beforeAttempt` runs right before each attempt and
   * `begun` right after the one that took the lock, in the same turn: the first ends the read
   * transaction reads may have opened meanwhile, the second must mark the transaction open
   * before anything else can run on the connection.
   */
  async begin(beforeAttempt: () => void, begun: () => void): Promise<void> {
    const deadline = performance.now() + this.timeoutMs
    for (let attempt = 0; ; attempt++) {
      beforeAttempt()
      const busy = this.tryBegin()
      if (busy === undefined) return begun()
      const left = deadline - performance.now()
      if (left <= 0) throw new DatabaseUnavailableError(busy)
      await pause(attempt, left)
    }
  }
}

/** The wait after the `attempt`th busy attempt, never past what is `left` of the deadline. */
export function pause(attempt: number, left: number): Promise<void> {
  const ms = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!
  return sleep(Math.max(1, Math.min(ms, Math.ceil(left))))
}
