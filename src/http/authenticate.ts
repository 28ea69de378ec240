import type { FastifyRequest } from 'fastify'
import { TokenAuthenticator } from '../provisioning/tokens.js'
import type { SchemaRegistry } from '../scim/schema/resource-types.js'
import type { Store, Tenant, TenantKind } from '../store/contract.js'

export interface TenantLocator {
  readonly kind: TenantKind
  /** The URL prefix with `:slug` when the kind has one. */
  readonly prefix: string
}

/**
 * Returns the `onRequest` hook of a tenant's SCIM routes: find the tenant named by the URL,
 * check the bearer token belongs to it, and attach the request's SCIM context. Tenants are
 * cached once found (they are never renamed); unknown slugs are looked up every time, so a
 * tenant created by the CLI is served at once.
 */
export function authenticateTenant(
  store: Store,
  registry: SchemaRegistry,
  locator: TenantLocator,
  publicUrl: string | undefined,
  tokenCacheMs: number,
) {
  const authenticator = new TokenAuthenticator(store, { cacheMs: tokenCacheMs })
  const tenants = new Map<string, Tenant>()

  async function findTenant(slug: string): Promise<Tenant | undefined> {
    const cached = tenants.get(slug)
    if (cached) return cached
    const found = await store.findTenant(locator.kind, slug)
    if (found) tenants.set(slug, found)
    return found
  }

  return async function authenticate(request: FastifyRequest): Promise<void> {
    const slug = locator.kind === 'instance' ? '' : ((request.params as { slug?: string }).slug ?? '')
    const tenant = await findTenant(slug)
    await authenticator.authenticate(request.headers.authorization, tenant)
    const origin = publicUrl ?? `${request.protocol}://${request.host}`
    const base = locator.prefix.replace(':slug', slug)
    request.scim = { tenant: tenant!, store: store.forTenant(tenant!), baseUrl: origin + base, registry }
  }
}
