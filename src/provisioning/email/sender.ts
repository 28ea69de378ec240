/**
 * Delivers the outbox while the server runs (docs/email.md). Every server process may run one:
 * a claim hands each message to one sender only, under a lease, so no two senders send the same
 * message. Outcomes: accepted → sent; a permanent refusal of the message → failed, with the
 * server's reply; anything else → pending again after an exponential backoff with full jitter,
 * until the last attempt, which fails it.
 */
import type { Store } from '../../store/contract.js'
import type { EmailOutcome, OutboxMessage } from '../../store/records/invitation.js'
import { emailSettled } from '../events/account-events.js'
import { SEND_DEADLINE_MS, type Delivery, type OutgoingMail } from './smtp.js'

/** The longest wait between two attempts of one message. */
export const RETRY_CAP_MS = 3_600_000
/**
 * How long a claimed message belongs to its sender: longer than a delivery can last
 * (SEND_DEADLINE_MS), with room for recording the outcome. A message still 'sending' after its
 * lease lost its sender mid-delivery, and is failed as one that may or may not have been sent.
 */
export const LEASE_MS = SEND_DEADLINE_MS + 60_000
/**
 * How often a sender looks for expired leases (and at its first look). Leases last minutes, so
 * this need not be every poll, which on SQLite would take the write lock once more each time.
 */
const ABANDON_EVERY_MS = 30_000
const ABANDONED = 'the sender stopped while delivering it; it may or may not have been sent, retry to send it again'
/** Deliveries one sender has in flight at most (each its own SMTP connection). */
export const DEFAULT_CONCURRENCY = 4

/** What the sender needs of a mail server (smtp.ts SmtpMailer). */
export interface Mailer {
  send(mail: OutgoingMail, signal: AbortSignal): Promise<Delivery>
  close(): void
}

/** pino's shape: fields, then the message. */
export interface Log {
  debug(fields: object, message: string): void
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

export interface SenderOptions {
  readonly from: string
  readonly pollMs: number
  readonly retryBaseMs: number
  readonly maxAttempts: number
  readonly concurrency?: number
  /** The clock (ms since the epoch) and the jitter source; tests fix them to see exact schedules. */
  readonly now?: () => number
  readonly random?: () => number
}

/**
 * The delay before attempt `attempts + 1`: uniformly random up to `base · 2^(attempts-1)`,
 * capped ("full jitter": senders that failed together do not retry together).
 */
export function retryDelay(attempts: number, baseMs: number, random: () => number, capMs = RETRY_CAP_MS): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1))
  return Math.floor(random() * ceiling)
}

export class OutboxSender {
  readonly #store: Store
  readonly #mailer: Mailer
  readonly #log: Log
  readonly #options: Required<Omit<SenderOptions, 'now' | 'random'>>
  readonly #now: () => number
  readonly #random: () => number
  readonly #inFlight = new Set<Promise<void>>()
  #running: Promise<void> | undefined
  #stopping = false
  /** Set by a nudge (or a finished delivery) while the loop works: it looks again at once. */
  #woken = false
  #wake: (() => void) | undefined
  #lastAbandon = -Infinity
  /** Whether the last look at the outbox failed (the database): said once, not every poll. */
  #failing = false

  constructor(store: Store, mailer: Mailer, log: Log, options: SenderOptions) {
    this.#store = store
    this.#mailer = mailer
    this.#log = log
    this.#options = {
      from: options.from,
      pollMs: options.pollMs,
      retryBaseMs: options.retryBaseMs,
      maxAttempts: options.maxAttempts,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    }
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
  }

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Look at the outbox now rather than at the next poll (a write has just queued mail). */
  nudge(): void {
    this.#woken = true
    this.#wake?.()
  }

  /**
   * Claims nothing more; resolves once the deliveries in flight have finished (each is bounded
   * by the SMTP timeouts) and their outcomes are recorded.
   */
  async stop(): Promise<void> {
    this.#stopping = true
    this.nudge()
    await this.#running
    this.#mailer.close()
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false
      let full = false
      try {
        full = await this.#claim()
        if (this.#failing) this.#log.info({}, 'email: the outbox can be read again')
        this.#failing = false
      } catch (e) {
        if (!this.#failing) this.#log.error({ err: e }, `email: cannot read the outbox: ${(e as Error).message}; trying again every poll`)
        this.#failing = true
      }
      // No room left, or a full batch (more may be due): look again as soon as a delivery ends.
      if (!this.#woken && !this.#stopping) await this.#sleep(full ? undefined : this.#options.pollMs)
    }
    await Promise.all(this.#inFlight)
  }

  #free(): number {
    return this.#options.concurrency - this.#inFlight.size
  }

  /** True when it claimed as many as it had room for. */
  async #claim(): Promise<boolean> {
    const now = this.#now()
    if (now - this.#lastAbandon >= ABANDON_EVERY_MS) {
      const abandoned = await this.#abandonExpiredLeases(new Date(now).toISOString())
      this.#lastAbandon = now
      if (abandoned > 0) {
        this.#log.warn({ abandoned }, `email: ${abandoned} message(s) lost their sender mid-delivery and are failed; they may or may not have been sent`)
      }
    }
    const free = this.#free()
    if (free <= 0) return true
    const claimed = await this.#store.outboxDelivery.claim(new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString(), free)
    for (const message of claimed) {
      const delivery: Promise<void> = this.#deliver(message).finally(() => {
        this.#inFlight.delete(delivery)
        this.nudge()
      })
      this.#inFlight.add(delivery)
    }
    return claimed.length === free
  }

  /** Fails the messages whose sender's lease ran out, tenant by tenant, each with its `email.failed`. */
  async #abandonExpiredLeases(now: string): Promise<number> {
    let abandoned = 0
    for (const tenantId of await this.#store.outboxDelivery.tenantsWithExpiredLeases(now)) {
      const tenant = await this.#store.getTenant(tenantId)
      if (!tenant) continue
      abandoned += await this.#store.forTenant(tenant).transaction(async (tx) => {
        const failed = await tx.outbox.abandonExpiredLeases(now, ABANDONED)
        for (const message of failed) await emailSettled(tx, message, { state: 'failed', error: ABANDONED })
        return failed.length
      })
    }
    return abandoned
  }

  /**
   * Records how a delivery ended, with its event, in one transaction of the message's tenant.
   * Nothing (no event either) when the message is no longer this sender's.
   */
  async #settle(message: OutboxMessage, outcome: EmailOutcome): Promise<void> {
    const tenant = await this.#store.getTenant(message.tenantId)
    if (!tenant) throw new Error(`the tenant ${message.tenantId} of the message is gone`)
    await this.#store.forTenant(tenant).transaction(async (tx) => {
      if (await tx.outbox.settle(message.id, outcome)) await emailSettled(tx, message, outcome)
    })
  }

  /** Resolves after `ms` (undefined: only when woken), or at once when woken. */
  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = () => {
        this.#wake = undefined
        done()
      }
      if (this.#woken) this.#wake()
    })
  }

  /** Sends one claimed message and records what became of it; never rejects. */
  async #deliver(message: OutboxMessage): Promise<void> {
    const fields = { outbox: message.id, tenant: message.tenantId, template: message.template, attempt: message.attempts }
    const delivery = await this.#mailer
      .send(
        { from: this.#options.from, to: message.recipient, subject: message.subject, text: message.text, html: message.html, id: message.id },
        AbortSignal.timeout(SEND_DEADLINE_MS),
      )
      .catch((e: unknown): Delivery => ({ outcome: 'deferred', error: `the mailer failed: ${(e as Error).message}`, settings: false }))
    const now = this.#now()
    try {
      if (delivery.outcome === 'sent') {
        await this.#settle(message, { state: 'sent', at: new Date(now).toISOString() })
        this.#log.debug({ ...fields, reply: delivery.reply }, 'email: sent')
      } else if (delivery.outcome === 'refused') {
        await this.#settle(message, { state: 'failed', error: delivery.error })
        this.#log.warn({ ...fields, error: delivery.error }, 'email: the mail server refused the message; it is failed')
      } else if (message.attempts >= this.#options.maxAttempts) {
        const error = `gave up after ${message.attempts} attempt${message.attempts === 1 ? '' : 's'}; the last: ${delivery.error}`
        await this.#settle(message, { state: 'failed', error })
        this.#log.warn({ ...fields, error }, 'email: no attempt succeeded; the message is failed')
      } else {
        const next = new Date(now + retryDelay(message.attempts, this.#options.retryBaseMs, this.#random)).toISOString()
        await this.#store.outboxDelivery.markRetry(message.id, next, delivery.error)
        const say = delivery.settings ? this.#log.error.bind(this.#log) : this.#log.warn.bind(this.#log)
        say({ ...fields, error: delivery.error, next }, 'email: not delivered; it will be tried again')
      }
    } catch (e) {
      // The outcome is lost with the write: the message stays 'sending' until its lease ends,
      // and is then failed as one that may or may not have been sent — never sent twice.
      this.#log.error({ ...fields, err: e, outcome: delivery.outcome }, `email: cannot record the outcome of a delivery: ${(e as Error).message}`)
    }
  }
}
