/**
 * A SCIM client for one more tenant of a harness (the harness itself serves the organization
 * 'acme'): lifecycle tests drive enterprises and the instance exactly as an IdP would, and
 * check the results through the domain services the admin API serves.
 */
import { AccountAdmin } from '../../src/provisioning/accounts/admin-accounts.js'
import { Invitations } from '../../src/provisioning/accounts/invitations.js'
import { Teams } from '../../src/provisioning/teams/teams.js'
import { createTenant, tenantBasePath } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import type { Tenant, TenantKind, TenantStore } from '../../src/store/contract.js'
import type { AccountRecord } from '../../src/store/records/account.js'
import type { Harness, ScimResponse } from '../helpers/harness.js'

export interface TenantClient {
  readonly tenant: Tenant
  readonly store: TenantStore
  readonly accounts: AccountAdmin
  readonly teams: Teams
  readonly invitations: Invitations
  scim(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ScimResponse>
  /** The account linked to a SCIM user, or undefined. */
  accountOf(scimUserId: string): Promise<AccountRecord | undefined>
  outbox(): Promise<{ template: string; recipient: string; subject: string; text: string }[]>
}

export async function tenantClient(
  h: Harness,
  kind: Exclude<TenantKind, 'instance'> | 'instance',
  slug: string,
  options: { shortCode?: string | null; settings?: Record<string, unknown> } = {},
): Promise<TenantClient> {
  let tenant =
    kind === 'instance'
      ? (await h.store.findTenant('instance', ''))!
      : await createTenant(h.store, kind, slug, options.shortCode === undefined ? {} : { shortCode: options.shortCode })
  if (options.settings) tenant = (await h.store.updateTenantSettings(tenant.id, { ...tenant.settings, ...options.settings }))!
  const { token } = await issueToken(h.store, tenant)
  const store = h.store.forTenant(tenant)
  const base = tenantBasePath(tenant)
  return {
    tenant,
    store,
    accounts: new AccountAdmin(store),
    teams: new Teams(store),
    invitations: new Invitations(store),
    scim: (method, path, body) =>
      h.raw({
        method,
        url: base + path,
        headers: {
          authorization: `Bearer ${token}`,
          // Entra's own content type.
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      }),
    accountOf: (id) => store.transaction((tx) => tx.accounts.byScimUser(id)),
    outbox: async () => {
      const page = await store.transaction((tx) => tx.outbox.list({ limit: 500 }))
      return page.items.map((m) => ({ template: m.template, recipient: m.recipient, subject: m.subject, text: m.text }))
    },
  }
}

/** The body Entra ID POSTs for a new user (core + enterprise schemas, roles: []). */
export function entraUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: userName.split('@')[0],
    userName,
    active: true,
    displayName: `Display ${userName.split('@')[0]}`,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Given Family', familyName: 'Family', givenName: 'Given' },
    roles: [],
    ...extra,
  }
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** Entra's deactivation without its RFC flag: a capitalised op and the string "False". */
export const entraDeactivate = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }
export const entraReactivate = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] }
