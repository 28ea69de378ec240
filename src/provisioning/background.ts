/**
 * What a server process does besides answering requests (docs/email.md): delivering the email
 * outbox, and repairing drift between SCIM users and accounts, teams and groups
 * (reconcile-tenants.ts) once at start and then every ROSTER_RECONCILE_INTERVAL_MS. Started
 * once the server listens; nothing here blocks or fails the start, and every error is logged.
 */
import type { Store } from '../store/contract.js'
import { emailConfigFromEnv, positiveSetting, type EmailConfig } from './email/config.js'
import { OutboxSender, type Log } from './email/sender.js'
import { SmtpMailer } from './email/smtp.js'
import { reconcileTenants } from './reconcile-tenants.js'
import { webhookConfigFromEnv, type WebhookConfig } from './webhooks/config.js'
import { WebhookDeliverer } from './webhooks/deliverer.js'

export interface BackgroundConfig {
  readonly email: EmailConfig
  /** Between the end of one drift repair and the start of the next. */
  readonly reconcileIntervalMs: number
  /** Webhook delivery (webhooks/deliverer.ts); none when absent. */
  readonly webhooks?: WebhookConfig
}

/** GitHub repairs drift once a day. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 86_400_000

export function backgroundConfigFromEnv(env: NodeJS.ProcessEnv, publicUrl: string | undefined): BackgroundConfig {
  return {
    email: emailConfigFromEnv(env, publicUrl),
    reconcileIntervalMs: positiveSetting('ROSTER_RECONCILE_INTERVAL_MS', env.ROSTER_RECONCILE_INTERVAL_MS, DEFAULT_RECONCILE_INTERVAL_MS),
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
  #repairStarted = false
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
    return background
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

  /**
   * Stops both: the sender finishes the deliveries it has in flight; a drift repair under way
   * is not waited for (each of its transactions is whole; the store closing ends it).
   */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#repairTimer)
    await Promise.all([this.#sender?.stop(), this.#webhooks?.stop()])
  }
}
