/**
 * Delivers every tenant's events to its webhook endpoints while the server runs
 * (docs/webhooks.md). At least once and in order per endpoint: an endpoint's cursor is the
 * last seq dealt with, the deliverer sends the first matching event after it, and moves the
 * cursor only once the receiver answered 2xx (or the event was dead-lettered). A process that
 * dies mid-delivery leaves the cursor where it was, so the event is sent again (same
 * `webhook-id`) when the lease runs out.
 *
 * Each endpoint is worked on alone — claimed under a lease on its row, so by one deliverer of
 * any process at a time — and up to `concurrency` endpoints at once: a slow or dead receiver
 * holds one slot for at most the request timeout, then waits out its backoff without one.
 *
 * One endpoint's events go strictly one after the other, the next only after a 2xx for the
 * one before; what is kept off that path (docs/webhooks.md, "How fast one endpoint goes"):
 * events are read a window at a time, the next window while this one is sent, and delivered
 * events are recorded in batches while the next ones are sent (progress.ts), so a crash
 * re-sends the delivered events not yet recorded, in order. A failed attempt is recorded at
 * once, after the batch before it (send.ts keeps connections alive; webhook-queries.ts makes a
 * batch one statement where it can).
 *
 * Besides every poll, the deliverer looks when this process has numbered events of a tenant it
 * has endpoints of (Store.onEvents), at most once per LOOK_GAP_MS: an event written through
 * this process goes out at once, not up to a poll later; other processes' wait for the poll.
 */
import { randomUUID } from 'node:crypto'
import type { Store } from '../../store/contract.js'
import type { EventRecord } from '../../store/records/event.js'
import type { DeliveryOutcome, NewWebhookDelivery, WebhookEndpoint } from '../../store/records/webhook.js'
import { retryDelay, type Log } from '../email/sender.js'
import type { WebhookConfig } from './config.js'
import { matches } from './endpoints.js'
import { countDelivery } from './metrics.js'
import { Progress, RECORD_EVERY, type RecordEvery } from './progress.js'
import { payloadOf, send } from './send.js'
import { signingSecrets } from './signing.js'

/** Events read at once from an endpoint's backlog: a window. */
const BATCH = 100
/** Endpoints looked at per poll at most. */
const MAX_DUE = 10_000
/**
 * Looks woken by new events are this far apart at least: each reads the due endpoints, and a
 * busy tenant numbers events hundreds of times a second.
 */
export const LOOK_GAP_MS = 20
/**
 * How long a claim lasts: twice the request timeout and a second, time enough to send one event
 * and record the batch before it (each recorded batch renews it). Short, because it is also how
 * long an endpoint waits after its deliverer's process died before another takes it over.
 */
export const leaseMs = (timeoutMs: number): number => 2 * timeoutMs + 1000

export interface DelivererOptions {
  /** The clock (ms since the epoch) and the jitter source; tests fix them. */
  readonly now?: () => number
  readonly random?: () => number
  /** When delivered events are recorded (progress.ts); tests that count writes fix it. */
  readonly recordEvery?: RecordEvery
}

export class WebhookDeliverer {
  readonly #store: Store
  readonly #config: WebhookConfig
  readonly #log: Log
  readonly #now: () => number
  readonly #random: () => number
  readonly #recordEvery: RecordEvery
  /** Endpoints this process is delivering to, by id. */
  readonly #inFlight = new Map<string, Promise<void>>()
  #running: Promise<void> | undefined
  #stopping = false
  #wake: (() => void) | undefined
  /** A nudge came while no sleep was there to cut short: the next sleep is skipped. */
  #nudged = false
  /** performance.now() when the last look began. */
  #lookedAt = 0
  /** Stops the Store.onEvents listener of each tenant whose endpoints this deliverer has seen. */
  readonly #listening = new Map<string, () => void>()
  #failing = false

  constructor(store: Store, config: WebhookConfig, log: Log, options: DelivererOptions = {}) {
    this.#store = store
    this.#config = config
    this.#log = log
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#recordEvery = options.recordEvery ?? RECORD_EVERY
  }

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Look now (LOOK_GAP_MS after the last look at the soonest) rather than at the next poll. */
  nudge(): void {
    this.#nudged = true
    this.#wake?.()
  }

  /** Claims nothing more; resolves once the deliveries in flight have ended and are recorded. */
  async stop(): Promise<void> {
    this.#stopping = true
    this.nudge()
    await this.#running
  }

  get #leaseMs(): number {
    return leaseMs(this.#config.timeoutMs)
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      this.#nudged = false
      this.#lookedAt = performance.now()
      try {
        await this.#look()
        if (this.#failing) this.#log.info({}, 'webhooks: endpoints can be read again')
        this.#failing = false
      } catch (e) {
        if (!this.#failing) this.#log.error({ err: e }, `webhooks: cannot read endpoints or events: ${(e as Error).message}; trying again every poll`)
        this.#failing = true
      }
      if (!this.#stopping) await this.#sleep(this.#nudged ? this.#untilGap() : this.#config.pollMs)
    }
    for (const off of this.#listening.values()) off()
    this.#listening.clear()
    await Promise.all(this.#inFlight.values())
  }

  #untilGap(): number {
    return Math.max(0, this.#lookedAt + LOOK_GAP_MS - performance.now())
  }

  /** `ms`, or until the gap after the last look once nudged (at once when stopping). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
      let timer = setTimeout(done, ms)
      this.#wake = () => {
        clearTimeout(timer)
        timer = setTimeout(done, this.#stopping ? 0 : this.#untilGap())
      }
    })
  }

  /** Starts work on each due endpoint that has an event after its cursor, while slots are free. */
  async #look(): Promise<void> {
    if (this.#inFlight.size >= this.#config.concurrency) return
    const now = this.#now()
    const due = await this.#store.webhooks.due(new Date(now).toISOString(), MAX_DUE)
    for (const { tenantId } of due) {
      if (!this.#listening.has(tenantId)) this.#listening.set(tenantId, this.#store.onEvents(tenantId, () => this.nudge()))
    }
    for (const endpoint of due) {
      if (this.#stopping || this.#inFlight.size >= this.#config.concurrency) return
      if (this.#inFlight.has(endpoint.id)) continue
      const events = await this.#store.eventFeed.list(endpoint.tenantId, endpoint.cursor, BATCH)
      if (events.length === 0) continue
      const claim = randomUUID()
      const at = this.#now()
      const claimed = await this.#store.webhooks.claim(endpoint.id, endpoint.cursor, new Date(at).toISOString(), new Date(at + this.#leaseMs).toISOString(), claim)
      if (!claimed) continue
      const work = this.#work(claimed, claim, events)
        .catch((e: unknown) => {
          this.#log.error({ err: e, webhook: endpoint.id, tenant: endpoint.tenantId }, `webhooks: delivering to ${endpoint.id} failed: ${(e as Error).message}; its lease runs out and it is tried again`)
        })
        .finally(() => {
          this.#inFlight.delete(endpoint.id)
          this.nudge()
        })
      this.#inFlight.set(endpoint.id, work)
    }
  }

  /** Delivers `endpoint`'s events in order while it holds the claim; ends at a failure, the end of the backlog or a stop. */
  async #work(endpoint: WebhookEndpoint, claim: string, first: EventRecord[]): Promise<void> {
    const hooks = this.#store.webhooks
    const progress = new Progress(endpoint.cursor, (records, to) => hooks.recordAndAdvance(records, endpoint.id, claim, to, this.#lease()), this.#recordEvery)
    let cursor = endpoint.cursor
    let attempts = endpoint.attempts
    let firstAttemptAt = endpoint.firstAttemptAt
    let events = first
    // The window after a full one is read while this one is sent: its events are
    // committed and numbered already, whatever happens to the ones being sent.
    let ahead: Promise<EventRecord[]> | undefined
    const readAhead = () => {
      if (ahead !== undefined || events.length < BATCH) return
      ahead = this.#store.eventFeed.list(endpoint.tenantId, events.at(-1)!.seq, BATCH)
      // Read or not, it is awaited only if the work gets that far.
      ahead.catch(() => undefined)
    }
    const nextWindow = async (): Promise<EventRecord[]> => {
      const read = ahead ?? this.#store.eventFeed.list(endpoint.tenantId, cursor, BATCH)
      ahead = undefined
      return read
    }
    readAhead()
    try {
      while (!this.#stopping && progress.ok) {
        const next = events.find((e) => matches(endpoint.eventTypes, e.type))
        if (!next) {
          // Nothing in this window is for the endpoint: past it with the next write.
          const last = events.at(-1)
          if (last) {
            progress.skipped(last.seq)
            cursor = last.seq
          }
          events = await nextWindow()
          if (events.length === 0) break
          readAhead()
          continue
        }
        await progress.room()
        const now = this.#now()
        const attempt = attempts + 1
        firstAttemptAt ??= new Date(now).toISOString()
        const result = await send(endpoint.url, next.id, payloadOf(next), signingSecrets(endpoint, now), this.#config.timeoutMs, new Date(now))
        const ended = this.#now()
        const dead = !result.ok && (attempt >= this.#config.maxAttempts || ended - Date.parse(firstAttemptAt) >= this.#config.maxAgeMs)
        const outcome: DeliveryOutcome = result.ok ? 'delivered' : dead ? 'dead' : 'failed'
        // The attempt happened whether or not recording it works.
        countDelivery('event', outcome, result.ok ? ended - Date.parse(next.at) : undefined)
        const record: NewWebhookDelivery = {
          id: randomUUID(),
          tenantId: endpoint.tenantId,
          endpointId: endpoint.id,
          eventSeq: next.seq,
          eventId: next.id,
          eventType: next.type,
          kind: 'event',
          attempt,
          at: new Date(now).toISOString(),
          outcome,
          status: result.status,
          latencyMs: result.latencyMs,
          response: result.response,
          error: dead ? `dead-lettered after ${attempt} attempt${attempt === 1 ? '' : 's'}; the last: ${result.error}` : result.error,
        }
        const fields = { webhook: endpoint.id, tenant: endpoint.tenantId, event: next.id, seq: next.seq, attempt, status: result.status }
        if (outcome === 'failed') {
          // The deliveries before it are recorded first: the failure is the endpoint's state
          // from now on, and the retry is of this event, not of one before.
          const held = await progress.flush()
          await hooks.recordDelivery(record)
          if (!held) return
          const retryAt = new Date(ended + retryDelay(attempt, this.#config.retryBaseMs, this.#random)).toISOString()
          await hooks.retryLater(endpoint.id, claim, attempt, firstAttemptAt, retryAt, result.error ?? 'failed')
          this.#log.debug({ ...fields, error: result.error, retryAt }, 'webhooks: delivery failed; retried later')
          return
        }
        progress.dealtWith(record)
        if (dead) {
          // A dead letter is recorded at once, with the batch before it.
          this.#log.warn({ ...fields, error: result.error }, 'webhooks: no attempt succeeded; the event is dead-lettered for this endpoint')
          if (!(await progress.flush())) return
        }
        cursor = next.seq
        attempts = 0
        firstAttemptAt = null
        events = events.filter((e) => e.seq > cursor)
        if (events.length === 0) {
          events = await nextWindow()
          if (events.length === 0) break
          readAhead()
        }
      }
    } catch (e) {
      // What was delivered is still recorded if it can be: fewer events are sent again.
      await progress.flush().catch(() => undefined)
      throw e
    }
    // What was delivered is recorded before the claim is let go.
    if (await progress.flush()) await hooks.release(endpoint.id, claim)
  }

  #lease(): string {
    return new Date(this.#now() + this.#leaseMs).toISOString()
  }
}
