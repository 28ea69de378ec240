import { invalidValue, isScimError, notFound, uniqueness } from '../scim/errors.js'
import type { Store, Tenant, TenantKind } from '../store/contract.js'

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** The SCIM base path of a tenant, as pasted into an IdP (architecture.md "Tenancy"). */
export function tenantBasePath(tenant: Pick<Tenant, 'kind' | 'slug'>): string {
  switch (tenant.kind) {
    case 'organization':
      return `/scim/v2/organizations/${tenant.slug}`
    case 'enterprise':
      return `/scim/v2/enterprises/${tenant.slug}`
    case 'instance':
      return '/scim/v2'
  }
}

export function validateSlug(slug: string): string {
  if (!SLUG.test(slug)) {
    throw invalidValue(
      `'${slug}' is not a valid slug: use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen`,
    )
  }
  return slug
}

export async function createTenant(store: Store, kind: Exclude<TenantKind, 'instance'>, slug: string): Promise<Tenant> {
  try {
    return await store.createTenant(kind, validateSlug(slug))
  } catch (e) {
    // The stores quote the slug as JSON; every message of the CLI quotes names as 'acme'.
    if (isScimError(e) && e.scimType === 'uniqueness') throw uniqueness(`${kind} '${slug}' already exists`)
    throw e
  }
}

export async function requireTenant(store: Store, kind: TenantKind, slug: string): Promise<Tenant> {
  const tenant = await store.findTenant(kind, kind === 'instance' ? '' : slug)
  if (!tenant) throw notFound(`there is no ${kind} '${slug}'`)
  return tenant
}
