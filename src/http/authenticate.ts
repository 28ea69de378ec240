import type { FastifyReply, FastifyRequest } from 'fastify'
import { hashToken, looksLikeToken } from '../provisioning/token-secret.js'
import { TokenAuthenticator } from '../provisioning/tokens.js'
import { forbidden, isScimError } from '../scim/errors.js'
import { settingsOf } from '../provisioning/tenant-settings.js'
import type { SchemaRegistry } from '../scim/schema/resource-types.js'
import type { Store, Tenant, TenantKind, TokenRecord } from '../store/contract.js'
import type { ScimContext } from './context.js'
import { tenantLabel } from './log-fields.js'

export interface TenantLocator {
  readonly kind: TenantKind
  /** The URL prefix with `:slug` when the kind has one. */
  readonly prefix: string
}

/** Contexts kept per tenant: one per origin the tenant was reached at (Host headers vary). */
const MAX_ORIGINS = 16
/**
 * How long a tenant read from the store is trusted: its settings (SCIM disabled, accounts off)
 * reach every process within this time. Writes read the settings again in their transaction.
 */
const TENANT_REFRESH_MS = 2_000

/** The answer of a disabled tenant's SCIM endpoints, to a caller whose token is valid. */
export const scimDisabled = () =>
  forbidden(
    'SCIM provisioning is disabled for this tenant: an administrator turned it off. Its users and groups are kept, ' +
      'but they cannot be read or changed through SCIM until it is enabled again',
  )

/**
 * Returns the `onRequest` hook of a tenant's SCIM routes: find the tenant named by the URL,
 * check the bearer token belongs to it, and attach the request's SCIM context. Tenants are
 * cached once found (they are never renamed); unknown slugs are looked up every time, so a
 * tenant created by the CLI is served at once. The context itself is immutable and shared by
 * the tenant's requests from one origin: building it (a tenant store, the base URL) on every
 * request was a measurable part of a lookup's cost.
 */
export function authenticateTenant(
  store: Store,
  registry: SchemaRegistry,
  locator: TenantLocator,
  publicUrl: string | undefined,
  tokenCacheMs: number,
) {
  const authenticator = new TokenAuthenticator(store, { cacheMs: tokenCacheMs })
  const tenants = new Map<string, TenantContexts>()
  // A change made in this process (admin API) applies to its next request, not 2 s later.
  store.onTenantChange((id) => {
    for (const contexts of tenants.values()) if (contexts.tenant.id === id) contexts.readAt = 0
  })
  const hasSlug = locator.kind !== 'instance'

  async function findTenant(slug: string): Promise<TenantContexts | undefined> {
    const found = await store.findTenant(locator.kind, slug)
    if (!found) return undefined
    const known = tenants.get(slug)
    // Same settings: the same contexts (and services) stay; changed ones start afresh.
    const cached =
      known && JSON.stringify(known.tenant.settings) === JSON.stringify(found.settings)
        ? known
        : new TenantContexts(found, store, registry, locator.prefix.replace(':slug', slug))
    cached.readAt = Date.now()
    tenants.set(slug, cached)
    return cached
  }

  async function slow(request: FastifyRequest, slug: string): Promise<void> {
    const contexts = await findTenant(slug)
    request.scimToken = await authenticator.authenticate(request.headers.authorization, contexts?.tenant)
    if (!contexts!.scimEnabled) throw scimDisabled()
    request.scim = contexts!.at(publicUrl ?? `${request.protocol}://${request.host}`)
  }

  /**
   * The client hears one answer for every failure (tokens.ts); the log says which it was, and
   * names the token by id and name (never its secret), so an operator can tell a revoked
   * token from a mistyped URL. Only failures pay the extra lookup.
   */
  function refuse(request: FastifyRequest, slug: string, error: Error, done: (error?: Error) => void): void {
    if (!isScimError(error) || error.status !== 401) return done(error)
    explain(request, slug).then(
      (why) => {
        request.log.info(why, 'unauthorized')
        done(error)
      },
      () => done(error),
    )
  }

  async function explain(request: FastifyRequest, slug: string): Promise<Record<string, unknown>> {
    const tenant = hasSlug ? `${locator.kind}/${slug}` : tenantLabel({ kind: locator.kind, slug })
    const known = tenants.get(slug)?.tenant ?? (await store.findTenant(locator.kind, slug))
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
    if (!match) return { tenant, reason: request.headers.authorization ? 'not a bearer token' : 'no bearer token' }
    const token = match[1] ?? ''
    if (!looksLikeToken(token)) return { tenant, reason: 'malformed token' }
    const record = await store.findTokenByHash(hashToken(token))
    const named = record && { tokenId: record.id, tokenName: record.name }
    if (!known) return { tenant, reason: 'unknown tenant', ...named }
    if (!record) return { tenant, reason: 'unknown token' }
    if (record.tenantId !== known.id) return { tenant, reason: "another tenant's token", ...named }
    if (record.revokedAt !== null) return { tenant, reason: 'revoked token', revokedAt: record.revokedAt, ...named }
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.now()) {
      return { tenant, reason: 'expired token', expiresAt: record.expiresAt, ...named }
    }
    return { tenant, reason: 'token refused', ...named }
  }

  // Callback style: with the tenant and the token record cached (nearly every request), the
  // check completes synchronously, without a promise per request.
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const slug = hasSlug ? ((request.params as { slug?: string }).slug ?? '') : ''
    const known = tenants.get(slug)
    const contexts = known && Date.now() - known.readAt < TENANT_REFRESH_MS ? known : undefined
    let checked: unknown
    try {
      checked = contexts && authenticator.authenticate(request.headers.authorization, contexts.tenant)
    } catch (e) {
      return refuse(request, slug, e as Error, done)
    }
    const fail = (e: Error) => refuse(request, slug, e, done)
    if (contexts === undefined) {
      slow(request, slug).then(() => done(), fail)
      return
    }
    const attach = (token: TokenRecord) => {
      request.scimToken = token
      if (!contexts.scimEnabled) return done(scimDisabled())
      request.scim = contexts.at(publicUrl ?? `${request.protocol}://${request.host}`)
      done()
    }
    if (checked instanceof Promise) checked.then(attach, fail)
    else attach(checked as TokenRecord)
  }
}

/** One tenant's store and its SCIM contexts by origin. */
class TenantContexts {
  readonly tenant: Tenant
  readonly scimEnabled: boolean
  /** When the tenant was last read from the store (ms since the epoch). */
  readAt = Date.now()
  readonly #store: ReturnType<Store['forTenant']>
  readonly #registry: SchemaRegistry
  readonly #base: string
  readonly #byOrigin = new Map<string, ScimContext>()

  constructor(tenant: Tenant, store: Store, registry: SchemaRegistry, base: string) {
    this.tenant = tenant
    this.scimEnabled = settingsOf(tenant).scimEnabled
    this.#store = store.forTenant(tenant)
    this.#registry = registry
    this.#base = base
  }

  at(origin: string): ScimContext {
    const cached = this.#byOrigin.get(origin)
    if (cached) return cached
    // The Host header is the client's to choose: keep a few, never an unbounded number.
    if (this.#byOrigin.size >= MAX_ORIGINS) this.#byOrigin.clear()
    const context: ScimContext = Object.freeze({
      tenant: this.tenant,
      store: this.#store,
      baseUrl: origin + this.#base,
      registry: this.#registry,
    })
    this.#byOrigin.set(origin, context)
    return context
  }
}
