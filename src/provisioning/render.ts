import type { GroupMembership, Member, StoredResource } from '../store/contract.js'

export interface Derived {
  readonly groups?: readonly GroupMembership[]
  readonly members?: readonly Member[]
}

const endpointOf = (type: string) => (type === 'Group' ? 'Groups' : 'Users')

/** The ETag of a version: weak, because the representation varies with projection (RFC 7232 §2.3). */
export const etagOf = (version: number): string => `W/"${version}"`

/**
 * A stored resource as a SCIM representation (RFC 7643 §3): the document plus `id`, `meta`
 * and the attributes derived from the membership table. `baseUrl` is the tenant's SCIM base.
 */
export function renderResource(stored: StoredResource, derived: Derived, baseUrl: string): Record<string, unknown> {
  const { schemas, password: _password, ...rest } = stored.document
  const out: Record<string, unknown> = { schemas, id: stored.id, ...rest }
  if (derived.groups) {
    out.groups = derived.groups.map((g) => ({
      value: g.value,
      $ref: `${baseUrl}/Groups/${g.value}`,
      ...(g.display !== undefined && { display: g.display }),
      type: g.type,
    }))
  }
  if (derived.members) {
    out.members = derived.members.map((m) => ({
      value: m.value,
      $ref: `${baseUrl}/${endpointOf(m.type)}/${m.value}`,
      type: m.type,
      ...(m.display !== undefined && { display: m.display }),
    }))
  }
  out.meta = {
    resourceType: stored.resourceType,
    created: stored.created,
    lastModified: stored.lastModified,
    location: `${baseUrl}/${endpointOf(stored.resourceType)}/${stored.id}`,
    version: etagOf(stored.version),
  }
  return out
}
