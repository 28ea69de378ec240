/**
 * SCIM identities and organization invitations. Accepting an invitation links its identity to
 * an account; until sign-in lands, the application calls accept on the person's behalf.
 */
import type { FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import { Invitations, type InvitationView } from '../../../provisioning/accounts/invitations.js'
import type { Store } from '../../../store/contract.js'
import type { IdentityRecord } from '../../../store/records/account.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, Key, named, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const IdentitySchema = Type.Object({
  scimUserId: Type.String(),
  userName: Type.String(),
  externalId: Nullable(Type.String()),
  active: Type.Boolean(),
  accountId: Nullable(Type.String(), 'The linked account; null while unlinked (an organization invitation not yet accepted)'),
  login: Nullable(Type.String()),
  accountState: Nullable(OneOf(['active', 'suspended', 'deleted'])),
})

const InvitationState = OneOf(['pending', 'accepted', 'revoked', 'expired'], 'expired: pending past its expiry')

const InvitationSchema = Type.Object({
  id: Type.String(),
  scimUserId: Type.String(),
  email: Nullable(Type.String()),
  state: InvitationState,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  sentCount: Type.Integer(),
  acceptedAt: Nullable(Timestamp),
  accountId: Nullable(Type.String()),
})

const Identity = named('Identity', IdentitySchema)
const Invitation = named('Invitation', InvitationSchema)

const AcceptedInvitation = named(
  'AcceptedInvitation',
  Type.Object({ invitation: Invitation, accountId: Type.String({ description: 'The account the identity is now linked to' }) }),
)

const identityView = (i: IdentityRecord): Static<typeof IdentitySchema> => ({ ...i })

const invitationView = (i: InvitationView): Static<typeof InvitationSchema> => ({
  id: i.id,
  scimUserId: i.scimUserId,
  email: i.email,
  state: i.state,
  createdAt: i.createdAt,
  expiresAt: i.expiresAt,
  sentCount: i.sentCount,
  acceptedAt: i.acceptedAt,
  accountId: i.accountId,
})

export function registerInvitationRoutes(api: AdminScope, store: Store): void {
  const invitations = (request: FastifyRequest) => new Invitations(store.forTenant(tenantOf(request)))

  api.get(
    '/identities',
    {
      schema: {
        tags: ['identities'],
        operationId: 'listIdentities',
        summary: 'SCIM users and the accounts they are linked to',
        params: TenantParams({}),
        querystring: Type.Object({
          state: Type.Optional(OneOf(['linked', 'unlinked'])),
          search: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'The start of the userName, in any case' })),
          ...PageQuery,
        }),
        response: { 200: Paged(Identity, 'A page of identities'), ...ERRORS },
      },
    },
    async (request) => {
      const { state, search } = request.query
      const paging = pagingOf(request, tenantOf(request).id)
      const page = await invitations(request).identities({
        ...(state !== undefined && { state }),
        ...(search !== undefined && { search }),
        ...(paging.after !== undefined && { after: paging.after }),
        limit: paging.limit,
      })
      return paging.body({ ...page, items: page.items.map(identityView) })
    },
  )

  api.get(
    '/invitations',
    {
      schema: {
        tags: ['invitations'],
        operationId: 'listInvitations',
        summary: 'Organization invitations',
        params: TenantParams({}),
        querystring: Type.Object({ state: Type.Optional(InvitationState), ...PageQuery }),
        response: { 200: Paged(Invitation, 'A page of invitations'), ...ERRORS },
      },
    },
    async (request) => {
      const { state } = request.query
      const paging = pagingOf(request, tenantOf(request).id)
      const page = await invitations(request).list({
        ...(state !== undefined && { state }),
        ...(paging.after !== undefined && { after: paging.after }),
        limit: paging.limit,
      })
      return paging.body({ ...page, items: page.items.map(invitationView) })
    },
  )

  const InvitationParams = TenantParams({ id: Key('The invitation id') })

  api.post(
    '/invitations/:id/resend',
    {
      schema: {
        tags: ['invitations'],
        operationId: 'resendInvitation',
        summary: 'Send a pending or expired invitation again, with a new code and expiry',
        params: InvitationParams,
        response: { 200: Invitation, ...ERRORS },
      },
    },
    async (request) => invitationView(await invitations(request).resend(request.params.id)),
  )

  api.post(
    '/invitations/:id/accept',
    {
      schema: {
        tags: ['invitations'],
        operationId: 'acceptInvitation',
        summary: 'Accept an invitation by id: its identity is linked to an account',
        params: InvitationParams,
        response: { 200: AcceptedInvitation, ...ERRORS },
      },
    },
    async (request) => {
      const accepted = await invitations(request).accept({ id: request.params.id })
      return { invitation: invitationView(accepted.invitation), accountId: accepted.accountId }
    },
  )

  api.post(
    '/invitations/accept',
    {
      schema: {
        tags: ['invitations'],
        operationId: 'acceptInvitationByCode',
        summary: 'Accept an invitation by the code its email carried',
        params: TenantParams({}),
        body: Body({ token: Type.String({ minLength: 1, maxLength: 256, description: 'The invitation code (roster_inv_…)' }) }),
        response: { 200: AcceptedInvitation, ...ERRORS },
      },
    },
    async (request) => {
      const accepted = await invitations(request).accept({ token: request.body.token })
      return { invitation: invitationView(accepted.invitation), accountId: accepted.accountId }
    },
  )
}
