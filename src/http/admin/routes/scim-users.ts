/**
 * A tenant's SCIM users as the admin UI lists them: filtered with a SCIM filter (RFC 7644
 * §3.4.2.2, the same parser and checks as the SCIM endpoints), sorted, and paged with the
 * store's own cursors, so no page reads more than its rows. A bad filter is a 400 whose
 * detail names the position of the fault, as the SCIM endpoints say it.
 *
 * The accounts and identities lists serve other questions (local accounts; a userName prefix
 * search with the linked account); this one is for the expert who knows what the IdP sent.
 */
import Type, { type Static } from 'typebox'
import { notFound } from '../../../scim/errors.js'
import { defaultRegistry } from '../../../scim/schema/resource-types.js'
import type { StoredResource, Store } from '../../../store/contract.js'
import { tenantOf } from '../auth.js'
import { scimListPage, scimListQuery } from '../scim-list.js'
import type { AdminScope } from '../index.js'
import { Paged } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Key, named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'
import { Account, accountView } from './accounts.js'

const TAGS = ['scim users']

/** The attributes the table sorts by; each is a column of the store (compile-sort.ts). */
const SORTABLE = { userName: { name: 'userName' }, displayName: { name: 'displayName' }, created: { name: 'meta', subAttr: 'created' }, lastModified: { name: 'meta', subAttr: 'lastModified' } } as const

/** A user page lists teams, it does not page them: more than this is someone to look up by team. */
const MAX_TEAMS = 100

const ScimUserSummarySchema = Type.Object({
  id: Type.String(),
  userName: Type.String(),
  displayName: Nullable(Type.String()),
  externalId: Nullable(Type.String()),
  active: Type.Boolean(),
  email: Nullable(Type.String({ description: 'The primary email, else the first' })),
  created: Timestamp,
  lastModified: Timestamp,
})
const ScimUserSummary = named('ScimUserSummary', ScimUserSummarySchema)

const ScimUserDetails = named(
  'ScimUserDetails',
  Type.Object({
    id: Type.String(),
    resource: Type.Record(Type.String(), Type.Unknown(), { description: 'The SCIM User as stored (the password left out)' }),
    created: Timestamp,
    lastModified: Timestamp,
    version: Type.Integer(),
    groups: Type.Array(Type.Object({ id: Type.String(), display: Nullable(Type.String()), type: OneOf(['direct', 'indirect']) })),
    account: Nullable(Account, 'The account linked to this user; null when the tenant keeps no accounts or none is linked'),
    teams: Type.Array(
      Type.Object({ id: Type.String(), name: Type.String(), source: OneOf(['manual', 'group'], 'Added by hand, or given by a linked group') }),
      { description: `The account's teams, by name (at most ${MAX_TEAMS})` },
    ),
  }),
)

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null)

function primaryEmail(document: Record<string, unknown>): string | null {
  const emails = Array.isArray(document.emails) ? (document.emails as { value?: unknown; primary?: unknown }[]) : []
  const chosen = emails.find((e) => e?.primary === true) ?? emails[0]
  return text(chosen?.value)
}

const summaryView = (r: StoredResource): Static<typeof ScimUserSummarySchema> => ({
  id: r.id,
  userName: text(r.document.userName) ?? '',
  displayName: text(r.document.displayName),
  externalId: text(r.document.externalId),
  active: r.document.active !== false,
  email: primaryEmail(r.document),
  created: r.created,
  lastModified: r.lastModified,
})

export function registerScimUserRoutes(api: AdminScope, store: Store): void {
  const schema = defaultRegistry().require('User')

  api.get(
    '/scim-users',
    {
      schema: {
        tags: TAGS,
        operationId: 'listScimUsers',
        summary: "The tenant's SCIM users, with an optional SCIM filter, sorted and paged",
        params: TenantParams({}),
        querystring: scimListQuery(SORTABLE, 'users', 'userName sw "a" and active eq true'),
        response: { 200: Paged(ScimUserSummary, 'A page of SCIM users'), ...ERRORS },
      },
    },
    async (request) => scimListPage(store.forTenant(tenantOf(request)), schema, SORTABLE, request.query, summaryView),
  )

  api.get(
    '/scim-users/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'getScimUser',
        summary: 'A SCIM user, its groups and the account linked to it',
        params: TenantParams({ id: Key('The SCIM user id') }),
        response: { 200: ScimUserDetails, ...ERRORS },
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { id } = request.params
      const tenantStore = store.forTenant(tenant)
      const stored = await tenantStore.get('User', id)
      if (!stored) throw notFound(`this tenant has no SCIM user '${id}'`)
      const [groups, { account, teams }] = await Promise.all([
        tenantStore.groupsOf([id]),
        tenantStore.transaction(async (tx) => {
          const linked = await tx.accounts.byScimUser(id)
          const of = linked ? await tx.teams.ofAccount({ id: linked.id, scimUserId: id, active: linked.state === 'active' }, MAX_TEAMS) : []
          return { account: linked, teams: of.map(({ team, source }) => ({ id: team.id, name: team.name, source })) }
        }),
      ])
      const { password: _password, ...resource } = stored.document
      return {
        id,
        resource,
        created: stored.created,
        lastModified: stored.lastModified,
        version: stored.version,
        groups: (groups.get(id) ?? []).map((g) => ({ id: g.value, display: g.display ?? null, type: g.type })),
        account: account ? accountView(account) : null,
        teams,
      }
    },
  )
}
