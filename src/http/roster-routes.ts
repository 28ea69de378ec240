/**
 * Roster's HTTP surface as one Fastify plugin: the SCIM endpoints under each tenant prefix and,
 * optionally, the admin API under /admin/v1. The standalone server (app.ts) registers it at its
 * root; a host application (library/, docs/library.md) registers it on its own server, with or
 * without a prefix.
 *
 * Everything that gives SCIM its behaviour lives in the plugin's own scope, so it neither leaks
 * into a host's routes nor depends on the host's settings: the JSON parsers (only JSON is SCIM,
 * within the body limit), the error handler (SCIM errors), the not-found handler (under a
 * prefix: Fastify allows one per prefix), the request decorations and the provisioning log.
 * What a server decides as a whole — router options, request ids, timeouts, faults found
 * before routing — stays with whoever builds the server.
 */
import type { FastifyInstance } from 'fastify'
import { assertSafeObject } from '../scim/json/safe-object.js'
import type { SchemaRegistry } from '../scim/schema/resource-types.js'
import type { Store, TenantKind } from '../store/contract.js'
import { ADMIN_PREFIX, adminApi } from './admin/index.js'
import { authenticateTenant } from './authenticate.js'
import type { ConcurrencyLimiter } from './concurrency.js'
import { concurrencyHooks } from './concurrency.js'
import type { ServerConfig } from './config.js'
import { errorHandler, notFoundHandler } from './error-handler.js'
import { loggedUrl, tenantLabel } from './log-fields.js'
import type { Metrics } from './metrics.js'
import { recordProvisioningLog } from './provisioning-log.js'
import { rateLimiter, rateLimitHook } from './rate-limit.js'
import { registerBulkRoute } from './routes/bulk.js'
import { registerDiscoveryRoutes } from './routes/discovery.js'
import { registerResourceRoutes } from './routes/resources.js'
import { registerRootSearch } from './routes/root-search.js'

/** No SCIM document nests this deep (a Bulk PATCH of a complex value is about 8). */
const MAX_BODY_DEPTH = 32

/** Where each kind of tenant lives (docs/design.md, *Tenants and tokens*); GHES's `/api/v3` path too. */
export const TENANT_PREFIXES: readonly { kind: TenantKind; prefix: string }[] = [
  { kind: 'organization', prefix: '/scim/v2/organizations/:slug' },
  { kind: 'enterprise', prefix: '/scim/v2/enterprises/:slug' },
  { kind: 'instance', prefix: '/scim/v2' },
  { kind: 'instance', prefix: '/api/v3/scim/v2' },
]

export interface RosterRoutesOptions {
  /** The store requests use (already wrapped for timing, when metrics time it). */
  readonly store: Store
  readonly registry: SchemaRegistry
  readonly config: ServerConfig
  readonly metrics: Metrics
  /** The concurrency caps' state, shared by every tenant prefix; none when no cap is set. */
  readonly concurrency: ConcurrencyLimiter | undefined
  /** Whether the admin API is served (under `<prefix>/admin/v1`). */
  readonly adminApi: boolean
  /**
   * Whether the plugin echoes request ids and writes its one log line and metrics per request
   * in its own scope. The standalone server does that for all its routes at its root instead.
   */
  readonly observe: boolean
  /** Called after each successful write (not GET/HEAD, status < 300): wakes the outbox sender. */
  readonly onWrite?: () => void
}

export async function rosterRoutes(instance: FastifyInstance, options: RosterRoutesOptions): Promise<void> {
  const { store, registry, config, metrics } = options

  useScimParsers(instance, config.maxPayloadSize)
  instance.decorateRequest('scim', null)
  instance.decorateRequest('scimToken', null)
  instance.decorateRequest('tolerances', null)
  instance.decorateRequest('releaseSlot', null)
  instance.setErrorHandler(errorHandler)
  // Fastify keeps one not-found handler per prefix: without one, unknown paths are the server's.
  if (instance.prefix !== '') instance.setNotFoundHandler(notFoundHandler)
  recordProvisioningLog(instance)
  if (options.observe) observeRequests(instance, metrics)
  const onWrite = options.onWrite
  if (onWrite) {
    instance.addHook('onResponse', (request, reply, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) onWrite()
      done()
    })
  }

  // Its own scope: JSON (not SCIM) bodies, problem details for errors, admin tokens.
  if (options.adminApi) {
    const connectionTest = { ...config, registry }
    await instance.register(adminApi, { prefix: ADMIN_PREFIX, store, connectionTest })
  }

  const limits = { defaultCount: config.defaultCount, maxCount: config.maxResults }
  // One limiter and one set of caps for all tenant prefixes: a tenant is the same by any path.
  const limiter = rateLimiter(config.rateLimits)
  const caps = options.concurrency && concurrencyHooks(options.concurrency)
  for (const { kind, prefix } of TENANT_PREFIXES) {
    await instance.register(
      async (scope) => {
        // `scope.prefix` holds the host's prefix too: the base of every `meta.location`.
        const located = { kind, prefix: scope.prefix }
        scope.addHook('onRequest', authenticateTenant(store, registry, located, config.publicUrl, config.tokenCacheMs))
        // After authentication, in this order: a request refused by its rate limit takes no slot.
        scope.addHook('onRequest', rateLimitHook(limiter, metrics))
        if (caps) {
          scope.addHook('onRequest', caps.onRequest)
          scope.addHook('onResponse', caps.onResponse)
        }
        registerResourceRoutes(scope, 'User', limits)
        registerResourceRoutes(scope, 'Group', limits)
        registerRootSearch(scope, limits)
        registerBulkRoute(scope, { maxOperations: config.bulkMaxOperations })
        registerDiscoveryRoutes(scope, config)
      },
      { prefix },
    )
  }
}

/**
 * RFC 7644 §3.1 names application/scim+json; IdPs also send application/json (Okta, Entra).
 * Whatever else a host parses (text, forms, a catch-all), only JSON is SCIM: anything else is 415.
 */
export function useScimParsers(instance: FastifyInstance, maxPayloadSize: number): void {
  instance.removeAllContentTypeParsers()
  const parseJson = instance.getDefaultJsonParser('error', 'error')
  instance.addContentTypeParser(
    ['application/scim+json', 'application/json'],
    // The limit is Roster's (it advertises it as Bulk's maxPayloadSize), not the host's.
    { parseAs: 'string', bodyLimit: maxPayloadSize },
    (request, body, done) => {
      parseJson(request, body as string, (error, value) => {
        if (error) return done(error, undefined)
        try {
          // Refused here, once, so no later recursive step can overflow on hostile nesting.
          assertSafeObject(value, 'body', { maxDepth: MAX_BODY_DEPTH })
          done(null, value)
        } catch (e) {
          done(e as Error, undefined)
        }
      })
    },
  )
}

/**
 * The request id given back to the client, one log line per request instead of Fastify's two
 * (logging is a large share of a lookup's cost), and the request metrics.
 */
export function observeRequests(instance: FastifyInstance, metrics: Metrics): void {
  instance.addHook('onRequest', function echoRequestId(request, reply, done) {
    reply.header('x-request-id', request.id)
    done()
  })
  // Callback style, not async: one promise less on every request.
  instance.addHook('onResponse', function logResponse(request, reply, done) {
    request.log.info(
      {
        method: request.method,
        url: loggedUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...(request.scim && { tenant: tenantLabel(request.scim.tenant) }),
        // Who did what through the admin API: the token by id (never its secret), and the tenant.
        ...(request.adminToken && { adminToken: request.adminToken.id }),
        ...(request.adminTenant && { tenant: tenantLabel(request.adminTenant) }),
        ...(request.tolerances && { tolerances: request.tolerances }),
      },
      'request',
    )
    metrics.observeRequest(request, reply)
    done()
  })
}
