/**
 * Runs the sequencer's work (event-queries.ts `EventSequencing`) for a store: a tenant is
 * sequenced when this process committed events for it (`nudge`, right after the COMMIT), and
 * every tenant with unnumbered rows when asked (`sequencePending`: Background's poll, which
 * finds what other processes committed, or what a process that died left behind).
 *
 * In this process a tenant is sequenced by one run at a time; nudges that arrive during a run
 * make one more run after it, however many they are. Across processes the counter row makes
 * them take turns (a few milliseconds each). At most WORKERS runs at once, so sequencing never
 * takes more than that many of the pool's connections from requests.
 */
import { EventSequencing } from './event-queries.js'
import type { SqlDialect } from './dialect.js'
import type { Work } from './statement.js'

/** Rows numbered per transaction at most: bounds how long the counter row is held. */
export const SEQUENCE_BATCH = 1000
const WORKERS = 2

export interface SequencerPorts {
  /** Runs `work` in a transaction of its own and commits it. */
  readonly transact: <T>(work: Work<T>) => Promise<T>
  /** Runs `work` outside any transaction. */
  readonly read: <T>(work: Work<T>) => Promise<T>
  /** Events of the tenant were just numbered (committed): wake whoever waits for them. */
  readonly numbered: (tenantId: string) => void
}

export class EventSequencer {
  readonly #work: EventSequencing
  readonly #ports: SequencerPorts
  /** Tenants to sequence, in the order they were asked for. */
  readonly #due = new Set<string>()
  /** Tenants a run is sequencing now. */
  readonly #busy = new Set<string>()
  #workers = 0
  #idle: (() => void)[] = []
  /** The last failure of a run since `sequencePending` last reported one. */
  #failure: unknown
  #closed = false

  constructor(dialect: SqlDialect, ports: SequencerPorts) {
    this.#work = new EventSequencing(dialect)
    this.#ports = ports
  }

  /**
   * Sequences the tenant soon. Never fails: a run that fails leaves the rows unnumbered, and
   * the next nudge or poll numbers them.
   */
  nudge(tenantId: string): void {
    if (this.#closed) return
    this.#due.add(tenantId)
    while (this.#workers < WORKERS) {
      const tenant = this.#take()
      if (tenant === undefined) break
      this.#workers++
      void this.#run(tenant)
    }
  }

  /** Sequences every tenant with unnumbered events and resolves when done; rejects if a run failed. */
  async sequencePending(): Promise<void> {
    if (this.#closed) return
    for (const tenant of await this.#ports.read(this.#work.pendingTenants())) this.nudge(tenant)
    await this.settled()
    const failure = this.#failure
    this.#failure = undefined
    if (failure !== undefined) throw failure
  }

  /** Resolves once no run is under way. */
  settled(): Promise<void> {
    if (this.#workers === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Stops taking nudges and waits for the runs under way (before the store closes its connections). */
  close(): Promise<void> {
    this.#closed = true
    this.#due.clear()
    return this.settled()
  }

  #take(): string | undefined {
    for (const tenant of this.#due) {
      if (this.#busy.has(tenant)) continue
      this.#due.delete(tenant)
      return tenant
    }
    return undefined
  }

  async #run(first: string): Promise<void> {
    for (let tenant: string | undefined = first; tenant !== undefined; tenant = this.#take()) {
      this.#busy.add(tenant)
      try {
        let numbered: number
        do {
          numbered = await this.#ports.transact(this.#work.sequence(tenant, SEQUENCE_BATCH))
          if (numbered > 0) this.#ports.numbered(tenant)
        } while (numbered === SEQUENCE_BATCH && !this.#closed)
      } catch (e) {
        this.#failure = e
      } finally {
        this.#busy.delete(tenant)
      }
    }
    if (--this.#workers === 0) for (const resolve of this.#idle.splice(0)) resolve()
  }
}
