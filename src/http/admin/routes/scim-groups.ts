/**
 * A tenant's SCIM groups as the admin UI shows them: listed with a SCIM filter (the same parser
 * and checks as the SCIM endpoints), sorted and paged with the store's own cursors; one group
 * with its member count and the teams linked to it; and its members, a page at a time. A group
 * may have 100,000 members: they are never read whole, each page is a keyset read of the
 * group's membership index, and the count is a count on that index.
 */
import Type, { type Static } from 'typebox'
import { invalidCursor, notFound } from '../../../scim/errors.js'
import { defaultRegistry } from '../../../scim/schema/resource-types.js'
import type { MemberPosition, StoredResource, Store } from '../../../store/contract.js'
import { tenantOf } from '../auth.js'
import { scimListPage, scimListQuery } from '../scim-list.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Key, named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['scim groups']

/** The attributes the table sorts by; each is a column of the store (compile-sort.ts). */
const SORTABLE = { displayName: { name: 'displayName' }, created: { name: 'meta', subAttr: 'created' }, lastModified: { name: 'meta', subAttr: 'lastModified' } } as const

/** A group page lists its linked teams, it does not page them: more than this is a list to filter by group. */
const MAX_TEAMS = 100

const ScimGroupSummarySchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  externalId: Nullable(Type.String()),
  created: Timestamp,
  lastModified: Timestamp,
})
const ScimGroupSummary = named('ScimGroupSummary', ScimGroupSummarySchema)

const ScimGroupDetails = named(
  'ScimGroupDetails',
  Type.Object({
    id: Type.String(),
    resource: Type.Record(Type.String(), Type.Unknown(), { description: 'The SCIM Group as stored, without its members (GET …/members pages them)' }),
    created: Timestamp,
    lastModified: Timestamp,
    version: Type.Integer(),
    memberCount: Type.Integer({ description: 'Direct members, users and groups' }),
    teams: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
      description: `The teams linked to this group, whose members are its active users (at most ${MAX_TEAMS})`,
    }),
  }),
)

const GroupMember = named(
  'ScimGroupMember',
  Type.Object({
    value: Type.String({ description: 'The id of the member' }),
    type: OneOf(['User', 'Group']),
    display: Nullable(Type.String(), "The member's displayName, or a user's userName"),
  }),
)

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null)

const summaryView = (r: StoredResource): Static<typeof ScimGroupSummarySchema> => ({
  id: r.id,
  displayName: text(r.document.displayName) ?? '',
  externalId: text(r.document.externalId),
  created: r.created,
  lastModified: r.lastModified,
})

const GroupParams = TenantParams({ id: Key('The SCIM group id') })

export function registerScimGroupRoutes(api: AdminScope, store: Store): void {
  const schema = defaultRegistry().require('Group')

  api.get(
    '/scim-groups',
    {
      schema: {
        tags: TAGS,
        operationId: 'listScimGroups',
        summary: "The tenant's SCIM groups, with an optional SCIM filter, sorted and paged",
        params: TenantParams({}),
        querystring: scimListQuery(SORTABLE, 'groups', 'displayName sw "eng"'),
        response: { 200: Paged(ScimGroupSummary, 'A page of SCIM groups'), ...ERRORS },
      },
    },
    async (request) => scimListPage(store.forTenant(tenantOf(request)), schema, SORTABLE, request.query, summaryView),
  )

  api.get(
    '/scim-groups/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'getScimGroup',
        summary: 'A SCIM group, its member count and the teams linked to it',
        params: GroupParams,
        response: { 200: ScimGroupDetails, ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params
      const tenantStore = store.forTenant(tenantOf(request))
      const stored = await tenantStore.get('Group', id)
      if (!stored) throw notFound(`this tenant has no SCIM group '${id}'`)
      const [memberCount, teams] = await Promise.all([
        tenantStore.memberCount(id),
        tenantStore.transaction((tx) => tx.teams.list({ groupId: id, limit: MAX_TEAMS })),
      ])
      return {
        id,
        resource: stored.document,
        created: stored.created,
        lastModified: stored.lastModified,
        version: stored.version,
        memberCount,
        teams: teams.items.map((t) => ({ id: t.id, name: t.name })),
      }
    },
  )

  api.get(
    '/scim-groups/:id/members',
    {
      schema: {
        tags: TAGS,
        operationId: 'listScimGroupMembers',
        summary: "A SCIM group's direct members in the order they were added, a page at a time",
        params: GroupParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Paged(GroupMember, 'A page of members'), ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params
      const tenant = tenantOf(request)
      const paging = pagingOf(request, tenant.id)
      const tenantStore = store.forTenant(tenant)
      if ((await tenantStore.existing([id])).get(id) !== 'Group') throw notFound(`this tenant has no SCIM group '${id}'`)
      let position: MemberPosition | undefined
      if (paging.after !== undefined) {
        if (paging.until === undefined) throw invalidCursor('cursor: not a cursor of this list; leave it out to start at the first page')
        position = { after: paging.after, until: paging.until }
      }
      const page = await tenantStore.memberPage(id, position, paging.limit)
      return paging.walkBody(
        page.members.map((m) => ({ value: m.value, type: m.type, display: m.display ?? null })),
        page.next,
      )
    },
  )
}
