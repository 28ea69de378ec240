/**
 * Teams: CRUD, linking to a SCIM group (whose active members are then the team's), members,
 * and reconciliation with the group.
 */
import type { FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import { Teams } from '../../../provisioning/teams/teams.js'
import type { Store } from '../../../store/contract.js'
import type { ReconcileReport, TeamMemberRecord, TeamRecord } from '../../../store/records/team.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, Key, named, NoContent, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['teams']

const ReconcileReportSchema = Type.Object(
  {
    added: Type.Integer(),
    removed: Type.Integer(),
    batches: Type.Integer({ description: 'Transactions it took' }),
    startedAt: Timestamp,
    finishedAt: Timestamp,
  },
  { description: 'What one reconciliation with the group found and changed' },
)
const ReconcileReport = named('ReconcileReport', ReconcileReportSchema)

const TeamProperties = {
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  parentId: Nullable(Type.String()),
  groupId: Nullable(Type.String(), 'The SCIM group whose active members are the members; null: members are added by hand'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  reconciledAt: Nullable(Timestamp, 'When the team was last reconciled with its group'),
  reconcileReport: Nullable(ReconcileReport),
}

const TeamSchema = Type.Object(TeamProperties)
const TeamDetailsSchema = Type.Object({ ...TeamProperties, memberCount: Type.Integer() })
const Team = named('Team', TeamSchema)
const TeamDetails = named('TeamDetails', TeamDetailsSchema)

const MemberSource = OneOf(['manual', 'group'], 'manual: added by hand; group: a member of the linked group')

const MemberSchema = Type.Object({ accountId: Type.String(), login: Nullable(Type.String()), source: MemberSource, addedAt: Timestamp })
const Member = named('TeamMember', MemberSchema)

const Name = Type.String({ minLength: 1, maxLength: 255 })
const Description = Type.String({ maxLength: 4096 })
const ParentId = Nullable(Key('A team'), 'The parent team; null: a top-level team')

const TeamParams = TenantParams({ id: Key('The team id') })

/** A preview lists the first few of each side: enough to recognise, never the whole group. */
const MAX_PREVIEW = 100
const PreviewQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PREVIEW, default: 20, description: `How many of each side to list, 1 to ${MAX_PREVIEW}` })),
}
const PreviewSide = Type.Object({
  count: Type.Integer({ description: 'How many' }),
  first: Type.Array(Type.Object({ accountId: Type.String(), login: Nullable(Type.String()) }), { description: 'The first of them, in membership order' }),
})
const LinkPreview = named(
  'TeamLinkPreview',
  Type.Object(
    {
      groupId: Type.String(),
      joining: PreviewSide,
      leaving: PreviewSide,
      replaceRequired: Type.Boolean({ description: 'The team has members added by hand: link with replace: true to confirm they are removed' }),
    },
    { description: 'Who a link or unlink would add and remove; nothing is changed' },
  ),
)

const reportView = (r: ReconcileReport): Static<typeof ReconcileReportSchema> => ({ ...r })

const teamView = (t: TeamRecord): Static<typeof TeamSchema> => ({
  id: t.id,
  name: t.name,
  description: t.description,
  parentId: t.parentId,
  groupId: t.groupId,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  reconciledAt: t.reconciledAt,
  reconcileReport: t.reconcileReport && reportView(t.reconcileReport),
})

const detailsView = (t: TeamRecord & { memberCount: number }): Static<typeof TeamDetailsSchema> => ({ ...teamView(t), memberCount: t.memberCount })

const memberView = (m: TeamMemberRecord): Static<typeof MemberSchema> => ({ ...m })

export function registerTeamRoutes(api: AdminScope, store: Store): void {
  const teams = (request: FastifyRequest) => new Teams(store.forTenant(tenantOf(request)))

  api.get(
    '/teams',
    {
      schema: {
        tags: TAGS,
        operationId: 'listTeams',
        summary: 'Teams, paged',
        params: TenantParams({}),
        querystring: Type.Object({ groupId: Type.Optional(Key('Only the teams linked to this SCIM group')), ...PageQuery }),
        response: { 200: Paged(Team, 'A page of teams'), ...ERRORS },
      },
    },
    async (request) => {
      const { groupId } = request.query
      const paging = pagingOf(request, tenantOf(request).id)
      const page = await teams(request).list({
        ...(groupId !== undefined && { groupId }),
        ...(paging.after !== undefined && { after: paging.after }),
        limit: paging.limit,
      })
      return paging.body({ ...page, items: page.items.map(teamView) })
    },
  )

  api.post(
    '/teams',
    {
      schema: {
        tags: TAGS,
        operationId: 'createTeam',
        summary: 'Create a team',
        params: TenantParams({}),
        body: Body({ name: Name, description: Type.Optional(Description), parentId: Type.Optional(ParentId) }),
        response: { 201: Team, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(teamView(await teams(request).create(request.body))),
  )

  api.get(
    '/teams/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'getTeam',
        summary: 'A team, with its member count and reconciliation status',
        params: TeamParams,
        response: { 200: TeamDetails, ...ERRORS },
      },
    },
    async (request) => detailsView(await teams(request).get(request.params.id)),
  )

  api.patch(
    '/teams/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'updateTeam',
        summary: 'Rename a team, change its description, or move it',
        params: TeamParams,
        body: Body({ name: Type.Optional(Name), description: Type.Optional(Description), parentId: Type.Optional(ParentId) }),
        response: { 200: Team, ...ERRORS },
      },
    },
    async (request) => teamView(await teams(request).update(request.params.id, request.body)),
  )

  api.delete(
    '/teams/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'deleteTeam',
        summary: 'Delete a team',
        params: TeamParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      await teams(request).delete(request.params.id)
      return reply.code(204).send(null)
    },
  )

  api.post(
    '/teams/:id/link',
    {
      schema: {
        tags: TAGS,
        operationId: 'linkTeam',
        summary: "Link a team to a SCIM group and reconcile it: the group's active members become its members",
        params: TeamParams,
        body: Body({
          groupId: Key('The SCIM group'),
          replace: Type.Optional(Type.Boolean({ description: 'Remove members added by hand (refused otherwise)' })),
        }),
        response: { 200: TeamDetails, ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params
      const { groupId, replace } = request.body
      const service = teams(request)
      await service.link(id, groupId, replace === undefined ? {} : { replace })
      return detailsView(await service.get(id))
    },
  )

  api.post(
    '/teams/:id/unlink',
    {
      schema: {
        tags: TAGS,
        operationId: 'unlinkTeam',
        summary: 'Unlink a team from its group; members it had only through the group leave it',
        params: TeamParams,
        response: { 200: TeamDetails, ...ERRORS },
      },
    },
    async (request) => {
      const service = teams(request)
      await service.unlink(request.params.id)
      return detailsView(await service.get(request.params.id))
    },
  )

  api.get(
    '/teams/:id/link-preview',
    {
      schema: {
        tags: TAGS,
        operationId: 'previewTeamLink',
        summary: 'Who linking the team to a SCIM group would add and remove, changing nothing',
        params: TeamParams,
        querystring: Type.Object({ groupId: Key('The SCIM group'), ...PreviewQuery }),
        response: { 200: LinkPreview, ...ERRORS },
      },
    },
    async (request) => teams(request).previewLink(request.params.id, request.query.groupId, request.query.limit ?? 20),
  )

  api.get(
    '/teams/:id/unlink-preview',
    {
      schema: {
        tags: TAGS,
        operationId: 'previewTeamUnlink',
        summary: 'Who unlinking the team from its group would remove, changing nothing',
        params: TeamParams,
        querystring: Type.Object(PreviewQuery),
        response: { 200: LinkPreview, ...ERRORS },
      },
    },
    async (request) => teams(request).previewUnlink(request.params.id, request.query.limit ?? 20),
  )

  api.get(
    '/teams/:id/members',
    {
      schema: {
        tags: TAGS,
        operationId: 'listTeamMembers',
        summary: 'Members of a team',
        params: TeamParams,
        querystring: Type.Object({ source: Type.Optional(MemberSource), ...PageQuery }),
        response: { 200: Paged(Member, 'A page of members'), ...ERRORS },
      },
    },
    async (request) => {
      const { source } = request.query
      const paging = pagingOf(request, tenantOf(request).id)
      const page = await teams(request).members(request.params.id, {
        ...(source !== undefined && { source }),
        ...(paging.after !== undefined && { after: paging.after }),
        limit: paging.limit,
      })
      return paging.body({ ...page, items: page.items.map(memberView) })
    },
  )

  const MemberParams = TenantParams({ id: Key('The team id'), accountId: Key('The account id') })

  api.put(
    '/teams/:id/members/:accountId',
    {
      schema: {
        tags: TAGS,
        operationId: 'addTeamMember',
        summary: 'Add an active account to a team not linked to a group (idempotent)',
        params: MemberParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      await teams(request).addMember(request.params.id, request.params.accountId)
      return reply.code(204).send(null)
    },
  )

  api.delete(
    '/teams/:id/members/:accountId',
    {
      schema: {
        tags: TAGS,
        operationId: 'removeTeamMember',
        summary: 'Remove a member from a team not linked to a group',
        params: MemberParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      await teams(request).removeMember(request.params.id, request.params.accountId)
      return reply.code(204).send(null)
    },
  )

  api.post(
    '/teams/:id/reconcile',
    {
      schema: {
        tags: TAGS,
        operationId: 'reconcileTeam',
        summary: "Make a linked team's members exactly its group's active members now",
        params: TeamParams,
        response: { 200: ReconcileReport, ...ERRORS },
      },
    },
    async (request) => reportView(await teams(request).reconcile(request.params.id)),
  )
}
