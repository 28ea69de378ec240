/**
 * What a server process does besides answering requests (docs/email.md): delivering the email
 * outbox, repairing drift between SCIM users and accounts, teams and groups
 * (reconcile-tenants.ts) once at start and then every ROSTER_RECONCILE_INTERVAL_MS, and giving
 * seqs to events committed without one (docs/events.md) every ROSTER_EVENTS_SEQUENCE_MS.
 * Started once the server listens; nothing here blocks or fails the start, and every error is
 * logged.
 */
import type { Store } from '../store/contract.js'
import { emailConfigFromEnv, positiveSetting, type EmailConfig } from './email/config.js'
import { OutboxSender, type Log } from './email/sender.js'
import { SmtpMailer } from './email/smtp.js'
import { pruneProvisioningLogs } from './log/retention.js'
import { reconcileTenants } from './reconcile-tenants.js'
import { webhookConfigFromEnv, type WebhookConfig } from './webhooks/config.js'
import { WebhookDeliverer } from './webhooks/deliverer.js'
import { pruneWebhookDeliveries } from './webhooks/retention.js'

export interface BackgroundConfig {
  readonly email: EmailConfig
  /** Between the end of one drift repair and the start of the next. */
  readonly reconcileIntervalMs: number
  /** Between the end of one pruning of the provisioning and webhook delivery logs and the start of the next (default hourly). */
  readonly logPruneIntervalMs?: number
  /** Between the end of one look for unnumbered events and the start of the next (default 100). */
  readonly eventsSequenceMs?: number
  /** Webhook delivery (webhooks/deliverer.ts); none when absent. */
  readonly webhooks?: WebhookConfig
}

/** GitHub repairs drift once a day. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 86_400_000
/**
 * This process numbers its own events right after each commit; the look every 100 ms numbers
 * other processes' (and a dead process's), so a consumer of this process waits at most that.
 */
export const DEFAULT_EVENTS_SEQUENCE_MS = 100

/** Retention is counted in days; an hour late is close enough. */
export const DEFAULT_LOG_PRUNE_INTERVAL_MS = 3_600_000

export function backgroundConfigFromEnv(env: NodeJS.ProcessEnv, publicUrl: string | undefined): BackgroundConfig {
  return {
    email: emailConfigFromEnv(env, publicUrl),
    reconcileIntervalMs: positiveSetting('ROSTER_RECONCILE_INTERVAL_MS', env.ROSTER_RECONCILE_INTERVAL_MS, DEFAULT_RECONCILE_INTERVAL_MS),
    eventsSequenceMs: positiveSetting('ROSTER_EVENTS_SEQUENCE_MS', env.ROSTER_EVENTS_SEQUENCE_MS, DEFAULT_EVENTS_SEQUENCE_MS),
    webhooks: webhookConfigFromEnv(env),
  }
}

export interface BackgroundOptions {
  readonly store: Store
  readonly config: BackgroundConfig
  readonly log: Log
  /**
   * Whether this process repairs drift now. Among `--workers`, one does (the primary picks it,
   * cluster.ts); `startDriftRepair()` hands it the job later.
   */
  readonly driftRepair: boolean
}

export class Background {
  readonly #store: Store
  readonly #config: BackgroundConfig
  readonly #log: Log
  readonly #sender: OutboxSender | undefined
  readonly #webhooks: WebhookDeliverer | undefined
  #repairTimer: NodeJS.Timeout | undefined
  #sequenceTimer: NodeJS.Timeout | undefined
  /** The look under way, awaited by `stop` (the store closes after). */
  #sequencing: Promise<void> = Promise.resolve()
  #sequenceFailing = false
  #repairStarted = false
  #pruneTimer: NodeJS.Timeout | undefined
  #stopped = false

  private constructor(options: BackgroundOptions) {
    this.#store = options.store
    this.#config = options.config
    this.#log = options.log
    const { email } = options.config
    if (email.smtp) {
      this.#sender = new OutboxSender(options.store, new SmtpMailer(email.smtp), options.log, email)
    }
    if (options.config.webhooks) this.#webhooks = new WebhookDeliverer(options.store, options.config.webhooks, options.log)
  }

  static start(options: BackgroundOptions): Background {
    const background = new Background(options)
    const { email } = options.config
    if (background.#sender) {
      options.log.info({ smtp: email.smtp!.display, from: email.from }, `email: delivering the outbox through ${email.smtp!.display}`)
      background.#sender.start()
    } else {
      options.log.info({}, 'email: ROSTER_SMTP_URL is not set, so no email is sent; messages stay pending in the outbox')
    }
    background.#webhooks?.start()
    if (options.driftRepair) background.startDriftRepair()
    // Every process prunes: batches are idempotent deletes, so two pruning at once only share the work.
    background.#pruneTimer = setTimeout(() => background.#prune(), 0)
    background.#sequenceLater()
    return background
  }

  #sequenceLater(): void {
    if (this.#stopped) return
    this.#sequenceTimer = setTimeout(() => {
      this.#sequencing = this.#store.sequenceEvents().then(
        () => {
          if (this.#sequenceFailing) this.#log.info({}, 'events: numbering works again')
          this.#sequenceFailing = false
        },
        (e: unknown) => {
          // Once per outage, not every 100 ms; the rows wait, unnumbered, for the next look.
          if (!this.#sequenceFailing && !this.#stopped) {
            this.#log.error({ err: e }, `events: numbering committed events failed: ${(e as Error).message}; trying again`)
          }
          this.#sequenceFailing = true
        },
      )
      void this.#sequencing.then(() => this.#sequenceLater())
    }, this.#config.eventsSequenceMs ?? DEFAULT_EVENTS_SEQUENCE_MS)
  }

  /** Delivers due mail now rather than at the next poll. */
  nudge(): void {
    this.#sender?.nudge()
  }

  /** Repairs drift now and then every interval; once per process, whoever asks again. */
  startDriftRepair(): void {
    if (this.#repairStarted || this.#stopped) return
    this.#repairStarted = true
    // Not awaited, and after the caller's turn: the server is up before any repair begins.
    this.#repairTimer = setTimeout(() => this.#repair(), 0)
  }

  #repair(): void {
    this.#repairTimer = undefined
    void (async () => {
      try {
        const report = await reconcileTenants(this.#store)
        this.#log.info({ drift: report }, 'drift repair done')
      } catch (e) {
        // Stopping closes the store under a repair: its last transaction fails, nothing is half-written.
        if (!this.#stopped) this.#log.error({ err: e }, `drift repair failed: ${(e as Error).message}; it runs again at the next interval`)
      }
      if (!this.#stopped) this.#repairTimer = setTimeout(() => this.#repair(), this.#config.reconcileIntervalMs)
    })()
  }

  #prune(): void {
    this.#pruneTimer = undefined
    void (async () => {
      try {
        const report = await pruneProvisioningLogs(this.#store)
        if (report.deleted > 0) this.#log.info({ provisioningLog: report }, 'provisioning log pruned')
        const deliveries = await pruneWebhookDeliveries(this.#store)
        if (deliveries.deleted > 0) this.#log.info({ webhookDeliveries: deliveries }, 'webhook delivery log pruned')
      } catch (e) {
        if (!this.#stopped) this.#log.error({ err: e }, `provisioning or webhook delivery log pruning failed: ${(e as Error).message}; it runs again at the next interval`)
      }
      if (!this.#stopped) this.#pruneTimer = setTimeout(() => this.#prune(), this.#config.logPruneIntervalMs ?? DEFAULT_LOG_PRUNE_INTERVAL_MS)
    })()
  }

  /**
   * Stops every job: the sender finishes the deliveries it has in flight, and a look for
   * unnumbered events its transactions; a drift repair under way is not waited for (each of
   * its transactions is whole; the store closing ends it).
   */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#repairTimer)
    clearTimeout(this.#pruneTimer)
    clearTimeout(this.#sequenceTimer)
    await this.#sequencing
    await Promise.all([this.#sender?.stop(), this.#webhooks?.stop()])
  }
}
