import cluster from 'node:cluster'
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { SchemaRegistry } from '../scim/schema/resource-types.js'
import type { Store } from '../store/contract.js'
import { ADMIN_PREFIX } from './admin/index.js'
import { adminFrameworkError } from './admin/problem.js'
import type { ServerConfig } from './config.js'
import { databaseHealth } from './database-health.js'
import { clientErrorHandler } from './client-error.js'
import {
  DATABASE_RETRY_AFTER_SECONDS,
  errorHandler,
  frameworkErrorHandler,
  MAX_PATH_SEGMENT,
  notFoundHandler,
} from './error-handler.js'
import { capsEnabled, ConcurrencyLimiter } from './concurrency.js'
import { LogStream } from './log-stream.js'
import { Metrics } from './metrics.js'
import { contributeMetrics } from './ops/cluster.js'
import { registerMetricsRoute, serveMetricsPort } from './ops/metrics-endpoint.js'
import { timedStore } from './ops/timed-store.js'
import { observeRequests, rosterRoutes, useScimParsers } from './roster-routes.js'
import { registerUi } from '../ui/server/serve-ui.js'

/** Node looks for overdue requests on a timer; a quarter of the limit keeps to it closely enough. */
const checkingInterval = (timeoutMs: number) => Math.min(30_000, Math.max(50, Math.floor(timeoutMs / 4)))

export interface AppOptions {
  readonly store: Store
  readonly registry: SchemaRegistry
  readonly config: ServerConfig
  readonly logger?: FastifyServerOptions['logger']
  /** Where the server's metrics go; a registry of its own when not given. */
  readonly metrics?: Metrics
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's metrics: other parts add theirs with `counter`, `gauge`, `histogram`. */
    metrics: Metrics
    /** The concurrency caps' live state; undefined when no cap is set. */
    concurrency: ConcurrencyLimiter | undefined
  }
}

/**
 * A client's `X-Request-Id` is kept when it is a plausible id, so one id follows a call from
 * the IdP through the logs and what the write records; anything else (or none) gets a UUID,
 * unique across processes and restarts, as a durable record needs.
 */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/
function requestId(raw: { headers: Record<string, string | string[] | undefined> }): string {
  const given = raw.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}

/** Logger options without a destination write to stdout through LogStream (see there why). */
function withDestination(logger: AppOptions['logger']): AppOptions['logger'] {
  if (typeof logger !== 'object' || logger === null) return logger ?? false
  if ('stream' in logger || 'file' in logger || 'transport' in logger) return logger
  return { ...logger, stream: new LogStream(1) }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { registry, config } = options
  const metrics = options.metrics ?? new Metrics()
  metrics.watchStore(options.store)
  if (cluster.isWorker) contributeMetrics(metrics.registry)
  const store = timedStore(options.store, (operation, seconds, ok) =>
    metrics.database.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds),
  )
  const app = Fastify({
    logger: withDestination(options.logger),
    bodyLimit: config.maxPayloadSize,
    trustProxy: config.trustProxy,
    // Secure JSON parsing: a body with __proto__ or constructor.prototype is refused outright.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    genReqId: requestId,
    // One line per request (below) instead of Fastify's two: logging is a large share of a
    // lookup's cost.
    logController: new LogController({ disableRequestLogging: true }),
    // Admins paste tenant URLs with a trailing slash and IdPs append '/Users' to them. Endpoint
    // names match in any case: Microsoft's SCIM test collection calls `/users`, and services
    // built on ASP.NET accept it. Parameters (slugs, ids) keep the case they were sent in, so
    // they keep their meaning: a slug is lower-case, and `ACME` names no tenant.
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      caseSensitive: false,
      maxParamLength: MAX_PATH_SEGMENT,
    },
    // Fastify's default is no limit: a client that stalls mid-body would hold its socket (and
    // its parser) for good. The limit covers headers and body together. Node reads it when the
    // server is built (set later, it does not reach a body that stalls), hence both places.
    requestTimeout: config.requestTimeoutMs,
    // Node's default look for overdue requests is every 30 s, too coarse for a short limit.
    http: {
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: checkingInterval(config.requestTimeoutMs),
    },
    // Faults found before routing (a URL that is not percent-encoding, an over-long path
    // segment) and on the raw socket (431, 408, malformed HTTP) get a SCIM error too; under
    // the admin API, a problem document like the rest of it.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id)
      return request.url.startsWith(`${ADMIN_PREFIX}/`) ? adminFrameworkError(error, request, reply) : frameworkErrorHandler(error, request, reply)
    },
    clientErrorHandler: clientErrorHandler(config.requestTimeoutMs),
  })

  // The server's own routes (/healthz, /metrics) and unknown paths answer as SCIM does.
  useScimParsers(app, config.maxPayloadSize)
  app.decorate('metrics', metrics)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  observeRequests(app, metrics)

  registerMetricsRoute(app, options.store, metrics)
  if (config.metricsPort !== undefined) serveMetricsPort(app, metrics, config.metricsPort, config.metricsHost ?? config.host)

  // For load balancers: 503 while the database cannot be reached, so traffic goes elsewhere.
  const healthy = databaseHealth(store)
  app.get('/healthz', async (_request, reply) => {
    if (await healthy()) return { status: 'ok' }
    return reply
      .code(503)
      .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
      .send({ status: 'unavailable', detail: 'the database is unavailable' })
  })

  const concurrency = capsEnabled(config.concurrency) ? new ConcurrencyLimiter(config.concurrency, metrics) : undefined
  app.decorate('concurrency', concurrency)
  await app.register(rosterRoutes, { store, registry, config, metrics, concurrency, adminApi: true, observe: false })
  // The admin UI: static files that call the admin API, nothing else.
  registerUi(app)
  return app
}
