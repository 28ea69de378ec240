/**
 * Roster inside a host application (docs/library.md): `createRoster` opens the store and
 * returns the Fastify plugin that serves the SCIM endpoints (and, when asked, the admin API)
 * on the host's own server, the background jobs a standalone server runs, and `onEvent`, the
 * in-process consumers of the durable events.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { configFromEnv, type ServerConfig } from '../http/config.js'
import { ConcurrencyLimiter, capsEnabled } from '../http/concurrency.js'
import { Metrics } from '../http/metrics.js'
import { timedStore } from '../http/ops/timed-store.js'
import { rosterRoutes } from '../http/roster-routes.js'
import { Background, backgroundConfigFromEnv, type BackgroundConfig } from '../provisioning/background.js'
import type { Log } from '../provisioning/email/sender.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import type { MigrationResult, Store } from '../store/contract.js'
import { openStore } from '../store/open-store.js'
import { DEFAULT_CONSUMER_TIMING, EventConsumer, type ConsumerTiming } from './event-consumer.js'
import { EVENT_TYPES, type EventOfType, type RosterEventType } from './events.js'
import { checkConsumerName, checkPublicUrl, databaseUrlOf, RosterOptionError } from './options.js'

export interface RosterOptions {
  /**
   * The database: a SQLite file (`sqlite:./data/roster.db`, or just a path), a private
   * in-memory SQLite database (`:memory:`), or PostgreSQL (`postgres://user:pw@host:5432/db`).
   */
  readonly databaseUrl: string
  /**
   * The origin (and path, behind a proxy) SCIM clients reach the host at, e.g.
   * `https://app.example.com`; the plugin's prefix and the tenant's path follow it in every
   * `meta.location`. Unset: taken from each request's Host header.
   */
  readonly publicUrl?: string
  /** Also serve the admin API under `<prefix>/admin/v1` (default false). */
  readonly adminApi?: boolean
  /**
   * Where ROSTER_* settings are read from (docs/configuration.md), e.g. `process.env`. Default:
   * none, so every setting has its default unless given in `config` or `background`.
   */
  readonly env?: NodeJS.ProcessEnv
  /** Server settings over those of `env` (page sizes, body limit, rate limits, caps, …). */
  readonly config?: Partial<Omit<ServerConfig, 'databaseUrl' | 'publicUrl'>>
  /** Background jobs' settings over those of `env` (email delivery, webhooks, drift repair). */
  readonly background?: Partial<BackgroundConfig>
  /** Timing of `onEvent` consumers. */
  readonly events?: Partial<ConsumerTiming>
  /**
   * Where Roster's background jobs and consumers log (pino and Fastify loggers fit). Default:
   * the logger of the server the plugin is registered on; silent before that.
   */
  readonly logger?: Log
}

export interface OnEventOptions<T extends RosterEventType> {
  /**
   * The consumer's name: its position in each tenant's events is kept under it in the
   * database, so a consumer created again with the same name resumes where it stopped.
   */
  readonly consumer: string
  /** Tenant ids; every tenant (also those created later) when absent. */
  readonly tenants?: readonly string[]
  /** Only these event types; every type when absent. */
  readonly types?: readonly T[]
}

export type EventHandler<T extends RosterEventType> = (event: EventOfType<T>) => unknown

export interface EventSubscription {
  readonly consumer: string
  /** Stops the consumer: resolves once its handlers in flight have finished and are acknowledged. */
  stop(): Promise<void>
}

export interface Roster {
  /**
   * The Fastify plugin: `await app.register(roster.plugin, { prefix: '/provisioning' })`, or
   * without a prefix. It serves the SCIM endpoints (and the admin API when `adminApi`).
   */
  readonly plugin: FastifyPluginAsync
  /** The store: tenants, tokens and everything else (provisioning/ works on it). */
  readonly store: Store
  /** Request and database metrics (Prometheus: `metrics.registry.metrics()`). */
  readonly metrics: Metrics
  /** Creates or upgrades Roster's tables; safe to call on every start. */
  migrate(): Promise<MigrationResult>
  /**
   * Calls `handler` with each event of the selected tenants and types, per tenant in seq
   * order, at least once; see docs/library.md for the guarantees. Consumers start with
   * `start()` (at once when added after it).
   */
  onEvent<T extends RosterEventType = RosterEventType>(handler: EventHandler<T>, options: OnEventOptions<T>): EventSubscription
  /** Starts the background jobs (email outbox, webhooks, drift repair, event numbering) and the consumers. */
  start(): Promise<void>
  /** Stops consumers and jobs (waiting for those in flight) and closes the store. */
  close(): Promise<void>
}

const silent: Log = { debug() {}, info() {}, warn() {}, error() {} }

export async function createRoster(options: RosterOptions): Promise<Roster> {
  const env = options.env ?? {}
  const publicUrl = checkPublicUrl(options.publicUrl)
  const config: ServerConfig = { ...configFromEnv(env), ...options.config, databaseUrl: databaseUrlOf(options.databaseUrl), publicUrl }
  const background: BackgroundConfig = { ...backgroundConfigFromEnv(env, publicUrl), ...options.background }
  const timing: ConsumerTiming = { ...DEFAULT_CONSUMER_TIMING, ...options.events }
  const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize })
  return new EmbeddedRoster(store, config, background, timing, options)
}

class EmbeddedRoster implements Roster {
  readonly store: Store
  readonly metrics = new Metrics({ defaultMetrics: false })
  readonly plugin: FastifyPluginAsync
  readonly #timing: ConsumerTiming
  readonly #background: BackgroundConfig
  readonly #consumers = new Map<string, EventConsumer>()
  #log: Log
  #jobs: Background | undefined
  #started = false
  #closing: Promise<void> | undefined

  constructor(store: Store, config: ServerConfig, background: BackgroundConfig, timing: ConsumerTiming, options: RosterOptions) {
    this.store = store
    this.#timing = timing
    this.#background = background
    this.#log = options.logger ?? silent
    const metrics = this.metrics
    metrics.watchStore(store)
    const timed = timedStore(store, (operation, seconds, ok) => metrics.database.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds))
    const concurrency = capsEnabled(config.concurrency) ? new ConcurrencyLimiter(config.concurrency, metrics) : undefined
    const registry = defaultRegistry()
    this.plugin = async (instance: FastifyInstance) => {
      if (!options.logger) this.#log = instance.log
      await rosterRoutes(instance, {
        store: timed,
        registry,
        config,
        metrics,
        concurrency,
        adminApi: options.adminApi ?? false,
        observe: true,
        // A write may have queued mail: deliver it now, not at the next poll.
        onWrite: () => this.#jobs?.nudge(),
      })
    }
  }

  migrate(): Promise<MigrationResult> {
    return this.store.migrate()
  }

  onEvent<T extends RosterEventType = RosterEventType>(handler: EventHandler<T>, options: OnEventOptions<T>): EventSubscription {
    if (this.#closing) throw new RosterOptionError('onEvent: this Roster is closed')
    const name = checkConsumerName(options.consumer)
    if (typeof handler !== 'function') throw new RosterOptionError(`onEvent: the handler of consumer '${name}' must be a function`)
    if (this.#consumers.has(name)) {
      throw new RosterOptionError(`onEvent: consumer '${name}' exists already in this process; one handler per name`)
    }
    for (const type of options.types ?? []) {
      if (!EVENT_TYPES.includes(type)) {
        throw new RosterOptionError(`onEvent: '${String(type)}' is not an event type Roster records; expected one of ${EVENT_TYPES.join(', ')}`)
      }
    }
    if (options.tenants !== undefined && (!Array.isArray(options.tenants) || options.tenants.some((t) => typeof t !== 'string' || t === ''))) {
      throw new RosterOptionError(`onEvent: tenants of consumer '${name}' must be a list of tenant ids`)
    }
    const consumer = new EventConsumer(
      this.store,
      name,
      handler as (event: unknown) => unknown,
      { tenants: options.tenants, types: options.types },
      this.#timing,
      // Read when the consumer logs, so a logger that arrives with the plugin is used.
      this.#logProxy(),
    )
    this.#consumers.set(name, consumer)
    if (this.#started) consumer.start()
    return {
      consumer: name,
      stop: async () => {
        if (this.#consumers.get(name) === consumer) this.#consumers.delete(name)
        await consumer.stop()
      },
    }
  }

  async start(): Promise<void> {
    if (this.#closing) throw new RosterOptionError('start: this Roster is closed')
    if (this.#started) return
    this.#started = true
    this.#jobs = Background.start({ store: this.store, config: this.#background, log: this.#logProxy(), driftRepair: true })
    for (const consumer of this.#consumers.values()) consumer.start()
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Consumers and jobs finish what they have in hand first: each still writes to the store.
      await Promise.all([...[...this.#consumers.values()].map((c) => c.stop()), this.#jobs?.stop()])
      this.#consumers.clear()
      await this.store.close()
    })()
    return this.#closing
  }

  #logProxy(): Log {
    return {
      debug: (fields, message) => this.#log.debug(fields, message),
      info: (fields, message) => this.#log.info(fields, message),
      warn: (fields, message) => this.#log.warn(fields, message),
      error: (fields, message) => this.#log.error(fields, message),
    }
  }
}
