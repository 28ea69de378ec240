/**
 * Prometheus metrics (docs/operations.md): one registry per server (per process; with
 * `--workers` the cluster primary merges the workers' registries, ops/cluster.ts), the HTTP
 * metrics recorded here, the database's from ops/timed-store.ts, and whatever other parts of
 * Roster add through `counter`/`gauge`/`histogram`. Events written and webhook deliveries are
 * counted where that work happens, which knows no server: those metrics are the process's, and
 * every registry shows them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import client from 'prom-client'
import { eventsWritten } from '../provisioning/events/metrics.js'
import { WEBHOOK_METRICS } from '../provisioning/webhooks/metrics.js'
import type { Store } from '../store/contract.js'

/** Seconds; from a cached lookup (~0.1 ms) to a Bulk of 1,000 operations. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** How long the outbox depth is trusted: it is a `GROUP BY` over the whole outbox, not per scrape. */
export const OUTBOX_DEPTH_CACHE_MS = 15_000

export type Labels<L extends string> = client.LabelValues<L>

export class Metrics {
  readonly registry = new client.Registry()
  /** Requests answered, by tenant kind, route pattern (never a URL with ids), method and status. */
  readonly requests = this.counter({
    name: 'roster_http_requests_total',
    help: 'HTTP requests answered, by tenant kind, route pattern, method and status',
    labelNames: ['tenant_kind', 'route', 'method', 'status'],
  })
  readonly latency = this.histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by tenant kind, route pattern and method',
    labelNames: ['tenant_kind', 'route', 'method'],
    buckets: LATENCY_BUCKETS,
  })
  readonly database = this.histogram({
    name: 'roster_database_operation_duration_seconds',
    help: 'Time a store call took as a request saw it (waiting for a connection or the write lock included), by operation',
    labelNames: ['operation', 'outcome'],
    buckets: LATENCY_BUCKETS,
  })
  readonly rateLimited = this.counter({
    name: 'roster_rate_limited_total',
    help: 'Requests refused with 429 because a rate budget was spent, by budget (token or tenant)',
    labelNames: ['budget'],
  })
  readonly concurrencyRefused = this.counter({
    name: 'roster_concurrency_refused_total',
    help: 'Requests refused by a concurrency cap: queue_full (429) or waited_too_long (503)',
    labelNames: ['reason'],
  })
  readonly queued = this.counter({
    name: 'roster_concurrency_queued_total',
    help: 'Requests that waited for a concurrency slot of their tenant or token',
  })

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Node's own: CPU, memory, event loop lag, GC. Each has its cluster aggregator already.
    if (options.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry })
    for (const metric of [eventsWritten, ...WEBHOOK_METRICS]) this.registry.registerMetric(metric)
  }

  /** The counter called `name`, created on first use: callers need not share the object. */
  counter<L extends string>(config: client.CounterConfiguration<L>): client.Counter<L> {
    return this.#existing(config.name) ?? new client.Counter({ ...config, registers: [this.registry] })
  }

  gauge<L extends string>(config: client.GaugeConfiguration<L>): client.Gauge<L> {
    return this.#existing(config.name) ?? new client.Gauge({ ...config, registers: [this.registry] })
  }

  histogram<L extends string>(config: client.HistogramConfiguration<L>): client.Histogram<L> {
    return this.#existing(config.name) ?? new client.Histogram({ ...config, registers: [this.registry] })
  }

  #existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(name) as M | undefined
  }

  /** Records one answered request (the app's `onResponse` hook). */
  observeRequest(request: FastifyRequest, reply: FastifyReply): void {
    const tenantKind = request.scim?.tenant.kind ?? request.adminTenant?.kind ?? 'none'
    // The pattern (`/scim/v2/organizations/:slug/Users/:id`), so ids and slugs never become labels.
    const route = request.routeOptions.url ?? 'unmatched'
    this.requests.inc({ tenant_kind: tenantKind, route, method: request.method, status: reply.statusCode })
    this.latency.observe({ tenant_kind: tenantKind, route, method: request.method }, reply.elapsedTime / 1000)
  }

  /**
   * The store's gauges: PostgreSQL's pool, read at each scrape (it is in memory), and the outbox
   * by state, read from the database at most every OUTBOX_DEPTH_CACHE_MS.
   */
  watchStore(store: Store): void {
    const pool = (store as { pool?: { totalCount: number; idleCount: number; waitingCount: number } }).pool
    if (pool !== undefined) {
      this.gauge({
        name: 'roster_database_pool_connections',
        help: 'PostgreSQL connections of the server: total open, idle, and requests waiting for one',
        labelNames: ['state'],
        // Each worker has a pool of its own: the server's is their sum.
        aggregator: 'sum',
        collect() {
          this.set({ state: 'total' }, pool.totalCount)
          this.set({ state: 'idle' }, pool.idleCount)
          this.set({ state: 'waiting' }, pool.waitingCount)
        },
      })
    }
    let readAt = -Infinity
    let reading: Promise<void> | undefined
    this.gauge({
      name: 'roster_outbox_messages',
      help: `Messages in the email outbox by state (read at most every ${OUTBOX_DEPTH_CACHE_MS / 1000} s)`,
      labelNames: ['state'],
      // Every worker reads the same database: the server's count is any one of them.
      aggregator: 'max',
      async collect() {
        if (Date.now() - readAt < OUTBOX_DEPTH_CACHE_MS) return
        reading ??= store.outboxDelivery
          .depth()
          .then((depth) => {
            readAt = Date.now()
            for (const [state, n] of Object.entries(depth)) this.set({ state }, n)
          })
          // The database is away: the last values stay, and the next scrape tries again.
          .catch(() => undefined)
          .finally(() => (reading = undefined))
        await reading
      },
    })
  }
}
