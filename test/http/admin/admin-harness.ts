import type { InjectOptions } from 'fastify'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { createTenant } from '../../../src/provisioning/tenants.js'
import { issueToken } from '../../../src/provisioning/tokens.js'
import type { Store, Tenant } from '../../../src/store/contract.js'
import { startHarness, type Harness, type ScimResponse } from '../../helpers/harness.js'

/** An app (with the organization `acme` and its SCIM token, startHarness) and an instance admin token. */
export interface AdminHarness extends Harness {
  adminToken: string
  /** A request to /admin/v1 + `path`, with the instance admin token unless another is given (null: none). */
  admin(method: InjectOptions['method'], path: string, body?: unknown, token?: string | null): Promise<ScimResponse>
  /** An enterprise tenant and a SCIM token for it. */
  enterprise(slug: string): Promise<{ tenant: Tenant; scimToken: string }>
  /** A SCIM request with `token` to a full path. */
  scimAs(token: string, method: InjectOptions['method'], url: string, body?: unknown): Promise<ScimResponse>
}

export async function startAdmin(open: () => Promise<Store>, slug = 'acme'): Promise<AdminHarness> {
  const h = await startHarness(open, {}, slug)
  const { token: adminToken } = await issueAdminToken(h.store)
  return {
    ...h,
    adminToken,
    admin: (method, path, body, token = adminToken) =>
      h.raw({
        method,
        url: `/admin/v1${path}`,
        headers: {
          ...(token !== null && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    enterprise: async (name) => {
      const tenant = await createTenant(h.store, 'enterprise', name)
      return { tenant, scimToken: (await issueToken(h.store, tenant)).token }
    },
    scimAs: (token, method, url, body) =>
      h.raw({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/scim+json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      }),
  }
}

/** Every item of a list, following nextCursor; counts pages so a test can say how many it took. */
export async function walk(
  h: AdminHarness,
  path: string,
  token?: string,
): Promise<{ items: any[]; pages: number }> {
  const items: any[] = []
  let pages = 0
  for (let cursor: string | undefined; ; ) {
    const sep = path.includes('?') ? '&' : '?'
    const res = await h.admin('GET', cursor === undefined ? path : `${path}${sep}cursor=${encodeURIComponent(cursor)}`, undefined, token)
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`)
    items.push(...res.body.items)
    pages++
    cursor = res.body.nextCursor
    if (cursor === undefined) return { items, pages }
  }
}
