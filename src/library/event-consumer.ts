/**
 * A named in-process consumer of the durable events (docs/library.md, *onEvent*): it reads the
 * same rows as the pull feed and calls its handler with each tenant's events in seq order,
 * one at a time per tenant. A seq is acknowledged — written to the consumer's row in
 * `event_consumers` — only after the handler's promise resolved, so a process that dies
 * resumes after the last acknowledged event: delivery is at least once, and a redelivered
 * event keeps its id.
 *
 * A handler that throws gets the same event again after a backoff (full jitter, doubling up
 * to a cap); no event is ever skipped. Each tenant's position is claimed under a lease on its
 * row (store/sql/consumer-queries.ts) and the lease is renewed while a handler runs, so several
 * processes running a consumer of the same name never hand one tenant's events to two handlers
 * at once; a dead process's tenants are taken over when its lease runs out.
 *
 * It wakes when this process numbers a tenant's events (`Store.onEvents`) and polls for those
 * other processes wrote.
 */
import { randomUUID } from 'node:crypto'
import type { Store } from '../store/contract.js'
import type { ConsumerPosition } from '../store/sql/consumer-queries.js'
import type { EventRecord } from '../store/records/event.js'
import { retryDelay, type Log } from '../provisioning/email/sender.js'
import { asRosterEvent, type RosterEvent } from './events.js'

export interface ConsumerTiming {
  /** Between looks for events other processes wrote (and for due retries). */
  readonly pollMs: number
  /**
   * How long a claim on a tenant lasts without renewal; renewed every third of it while the
   * handler runs. Also how long a dead process's tenants wait before another takes them over.
   */
  readonly leaseMs: number
  /** The first retry's backoff ceiling; it doubles per failed attempt up to `retryMaxMs`. */
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /** Tenants whose events are handled at the same time, at most. */
  readonly concurrency: number
}

export const DEFAULT_CONSUMER_TIMING: ConsumerTiming = {
  pollMs: 500,
  leaseMs: 30_000,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  concurrency: 8,
}

/** Events read per look at a tenant's backlog. */
const BATCH = 100

export interface ConsumerSelection {
  /** Tenant ids; all tenants (also those created later) when absent. */
  readonly tenants?: readonly string[] | undefined
  /** Event types; all when absent. The others are acknowledged without a call. */
  readonly types?: readonly string[] | undefined
}

export class EventConsumer {
  readonly #store: Store
  readonly #name: string
  readonly #handler: (event: RosterEvent) => unknown
  readonly #tenants: readonly string[] | undefined
  readonly #types: ReadonlySet<string> | undefined
  readonly #timing: ConsumerTiming
  readonly #log: Log
  readonly #random: () => number
  /** Tenants whose events a handler of this consumer is working through, by tenant id. */
  readonly #inFlight = new Map<string, Promise<void>>()
  /** `Store.onEvents` subscriptions, by tenant id. */
  readonly #subscribed = new Map<string, () => void>()
  readonly #retryTimers = new Set<NodeJS.Timeout>()
  #running: Promise<void> | undefined
  #stopping = false
  #wake: (() => void) | undefined
  #woken = false
  #failing = false

  constructor(
    store: Store,
    name: string,
    handler: (event: RosterEvent) => unknown,
    selection: ConsumerSelection,
    timing: ConsumerTiming,
    log: Log,
    random: () => number = Math.random,
  ) {
    this.#store = store
    this.#name = name
    this.#handler = handler
    this.#tenants = selection.tenants
    this.#types = selection.types && new Set(selection.types)
    this.#timing = timing
    this.#log = log
    this.#random = random
  }

  get name(): string {
    return this.#name
  }

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Look now rather than at the next poll. */
  nudge(): void {
    this.#woken = true
    this.#wake?.()
  }

  /** Claims nothing more; resolves once the handlers in flight have finished and are acknowledged. */
  async stop(): Promise<void> {
    this.#stopping = true
    for (const timer of this.#retryTimers) clearTimeout(timer)
    this.#retryTimers.clear()
    this.nudge()
    await this.#running
    for (const unsubscribe of this.#subscribed.values()) unsubscribe()
    this.#subscribed.clear()
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false
      try {
        await this.#look()
        if (this.#failing) this.#log.info({ consumer: this.#name }, `events: consumer ${this.#name} can read events again`)
        this.#failing = false
      } catch (e) {
        if (!this.#failing && !this.#stopping) {
          this.#log.error({ err: e, consumer: this.#name }, `events: consumer ${this.#name} cannot read events: ${(e as Error).message}; trying again every poll`)
        }
        this.#failing = true
      }
      // A wake during the look (an event numbered meanwhile) is not lost: look again at once.
      if (!this.#stopping && !this.#woken) await this.#sleep(this.#timing.pollMs)
    }
    await Promise.all(this.#inFlight.values())
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      this.#wake = done
      const wake = this
      function done() {
        clearTimeout(timer)
        if (wake.#wake === done) wake.#wake = undefined
        resolve()
      }
    })
  }

  /** Starts work on each tenant that has events after its position, while slots are free. */
  async #look(): Promise<void> {
    const tenants = this.#tenants ?? (await this.#store.listTenants()).map((t) => t.id)
    for (const id of tenants) {
      if (!this.#subscribed.has(id)) this.#subscribed.set(id, this.#store.onEvents(id, () => this.nudge()))
    }
    const positions = new Map((await this.#store.eventConsumers.positions(this.#name)).map((p) => [p.tenantId, p]))
    for (const tenantId of tenants) {
      if (this.#stopping || this.#inFlight.size >= this.#timing.concurrency) return
      if (this.#inFlight.has(tenantId)) continue
      const now = Date.now()
      const position = positions.get(tenantId)
      if (position && !available(position, now)) continue
      const after = position?.ackedSeq ?? 0
      let events = await this.#store.eventFeed.list(tenantId, after, BATCH)
      if (events.length === 0) continue
      const claim = randomUUID()
      const claimed = await this.#store.eventConsumers.claim(this.#name, tenantId, iso(now), iso(now + this.#timing.leaseMs), claim)
      if (!claimed) continue
      // Another process may have moved the position between the read and the claim.
      if (claimed.ackedSeq !== after) events = await this.#store.eventFeed.list(tenantId, claimed.ackedSeq, BATCH)
      const work = this.#work(claimed, claim, events)
        .catch((e: unknown) => {
          this.#log.error(
            { err: e, consumer: this.#name, tenant: tenantId },
            `events: consumer ${this.#name} stopped working through tenant ${tenantId}: ${(e as Error).message}; its lease runs out and it is tried again`,
          )
        })
        .finally(() => {
          this.#inFlight.delete(tenantId)
          this.nudge()
        })
      this.#inFlight.set(tenantId, work)
    }
  }

  /**
   * Hands the tenant's events after `position` to the handler in order while this process
   * holds the claim; ends at a failure, the end of the backlog, a lost claim or a stop.
   */
  async #work(position: ConsumerPosition, claim: string, first: EventRecord[]): Promise<void> {
    const { tenantId } = position
    const positions = this.#store.eventConsumers
    let acked = position.ackedSeq
    let lost = false
    let finished = false
    // Renewed while the handler runs, so a slow handler keeps its tenant to itself.
    const heartbeat = setInterval(() => {
      positions.renew(this.#name, tenantId, claim, this.#lease()).then(
        (held) => {
          // A renewal that lands after the release finds no claim: that is no loss.
          if (!held && !lost && !finished) {
            lost = true
            this.#log.warn({ consumer: this.#name, tenant: tenantId }, `events: consumer ${this.#name} lost its claim on tenant ${tenantId}; it stops after the event in hand`)
          }
        },
        (e: unknown) => this.#log.warn({ err: e, consumer: this.#name, tenant: tenantId }, `events: renewing a claim failed: ${(e as Error).message}`),
      )
    }, Math.max(1, Math.floor(this.#timing.leaseMs / 3)))
    try {
      let events = first
      while (!this.#stopping && !lost && events.length > 0) {
        for (const event of events) {
          if (this.#stopping || lost) break
          if (this.#types && !this.#types.has(event.type)) continue
          try {
            await this.#handler(asRosterEvent(event))
          } catch (e) {
            await this.#failed(position, claim, event, e)
            return
          }
          // Acknowledges the events skipped before it (other types) at the same time.
          if (!(await positions.ack(this.#name, tenantId, claim, event.seq, iso(Date.now()), this.#lease()))) return
          acked = event.seq
        }
        if (this.#stopping || lost) break
        // The batch's tail held no event of the selected types: past it in one step.
        const last = events.at(-1)!.seq
        if (last > acked) {
          if (!(await positions.ack(this.#name, tenantId, claim, last, iso(Date.now()), this.#lease()))) return
          acked = last
        }
        events = await this.#store.eventFeed.list(tenantId, acked, BATCH)
      }
      await positions.release(this.#name, tenantId, claim)
    } finally {
      finished = true
      clearInterval(heartbeat)
    }
  }

  /** The handler threw: the same event again after the backoff, from whichever process claims it then. */
  async #failed(position: ConsumerPosition, claim: string, event: EventRecord, error: unknown): Promise<void> {
    // Attempts count per event: the claimed position's count is of the event after its acked
    // seq; any other event fails for the first time (acknowledging clears the count).
    const attempts = (event.seq === position.ackedSeq + 1 ? position.attempts : 0) + 1
    const delay = retryDelay(attempts, this.#timing.retryBaseMs, this.#random, this.#timing.retryMaxMs)
    const message = error instanceof Error ? error.message : String(error)
    const now = Date.now()
    await this.#store.eventConsumers.retryLater(this.#name, position.tenantId, claim, event.seq - 1, attempts, iso(now + delay), message.slice(0, 2000), iso(now))
    this.#log.warn(
      { err: error, consumer: this.#name, tenant: position.tenantId, event: event.id, seq: event.seq, type: event.type, attempt: attempts },
      `events: consumer ${this.#name} failed on ${event.type} (seq ${event.seq}): ${message}; retried in ${delay} ms`,
    )
    if (this.#stopping) return
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer)
      this.nudge()
    }, delay + 1)
    timer.unref()
    this.#retryTimers.add(timer)
  }

  #lease(): string {
    return iso(Date.now() + this.#timing.leaseMs)
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** Due (no backoff running) and held by no process. */
const available = (p: ConsumerPosition, now: number): boolean =>
  Date.parse(p.nextAttemptAt) <= now && (p.claimedUntil === null || Date.parse(p.claimedUntil) < now)

