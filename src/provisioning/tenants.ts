import { invalidValue, notFound } from '../scim/errors.js'
import type { Store, Tenant, TenantKind } from '../store/contract.js'
import { initialSettings } from './tenant-settings.js'

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** The SCIM base path of a tenant, as pasted into an IdP (docs/design.md, *Tenants and tokens*). */
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

/**
 * `shortCode`: appended to every login derived in the tenant (undefined: an enterprise gets
 * one made from its slug, an organization none; null: none).
 */
export async function createTenant(
  store: Store,
  kind: Exclude<TenantKind, 'instance'>,
  slug: string,
  options: { shortCode?: string | null } = {},
): Promise<Tenant> {
  return store.createTenant(kind, validateSlug(slug), initialSettings(kind, slug, options.shortCode))
}

export async function requireTenant(store: Store, kind: TenantKind, slug: string): Promise<Tenant> {
  const tenant = await store.findTenant(kind, kind === 'instance' ? '' : slug)
  if (!tenant) throw notFound(`there is no ${kind} '${slug}'`)
  return tenant
}
