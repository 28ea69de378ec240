/** Accounts of a tenant: list, create, read with history, change, suspend, delete. */
import type { FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import { AccountAdmin, checkLogin, checkRoles } from '../../../provisioning/accounts/admin-accounts.js'
import { ROLES } from '../../../provisioning/accounts/roles.js'
import { forbidden } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { AccountHistoryEntry, AccountRecord } from '../../../store/records/account.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, Key, named, NoContent, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['accounts']

const AccountState = OneOf(['active', 'suspended', 'deleted'])

const AccountSchema = Type.Object({
  id: Type.String(),
  login: Nullable(Type.String(), 'Null once deleted'),
  displayName: Type.String(),
  emails: Type.Array(Type.String(), { description: 'The primary email first' }),
  roles: Type.Array(Type.String()),
  state: AccountState,
  scimManaged: Type.Boolean({ description: "Managed by the tenant's identity provider through SCIM" }),
  scimUserId: Nullable(Type.String(), 'The SCIM user linked to this account'),
  setupOwner: Type.Boolean({ description: 'Exempt from the suspension that enabling SCIM brings' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  suspendedAt: Nullable(Timestamp),
})

export const Account = named('Account', AccountSchema)

const HistoryEntrySchema = Type.Object({
  at: Timestamp,
  action: Type.String({ description: 'created, renamed, roles, suspended, unsuspended, linked, deleted, …' }),
  detail: Type.Record(Type.String(), Type.Unknown()),
})

const AccountDetails = named(
  'AccountDetails',
  Type.Object({ ...AccountSchema.properties, history: Type.Array(named('AccountHistoryEntry', HistoryEntrySchema)) }),
)

const Login = Type.String({ minLength: 1, maxLength: 320, description: 'Letters, digits and . _ - @ +' })
const DisplayName = Type.String({ maxLength: 256 })
const Emails = Type.Array(Type.String({ maxLength: 320 }), { maxItems: 20, description: 'The primary email first' })
const Roles = Type.Array(Type.String({ maxLength: 64 }), { maxItems: ROLES.length, description: `Any of ${ROLES.join(', ')}` })

export const AccountParams = TenantParams({ id: Key('The account id') })

export const accountView = (a: AccountRecord): Static<typeof AccountSchema> => ({
  id: a.id,
  login: a.login,
  displayName: a.displayName,
  emails: [...a.emails],
  roles: [...a.roles],
  state: a.state,
  scimManaged: a.scimManaged,
  scimUserId: a.scimUserId,
  setupOwner: a.setupOwner,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  suspendedAt: a.suspendedAt,
})

const historyView = (h: AccountHistoryEntry): Static<typeof HistoryEntrySchema> => ({ at: h.at, action: h.action, detail: { ...h.detail } })

export function registerAccountRoutes(api: AdminScope, store: Store): void {
  const admin = (request: FastifyRequest) => new AccountAdmin(store.forTenant(tenantOf(request)))

  api.get(
    '/accounts',
    {
      schema: {
        tags: TAGS,
        operationId: 'listAccounts',
        summary: 'Accounts, filtered and paged',
        params: TenantParams({}),
        querystring: Type.Object({
          search: Type.Optional(
            Type.String({ minLength: 1, maxLength: 320, description: 'The start of the login, the display name or the primary email, in any case' }),
          ),
          state: Type.Optional(AccountState),
          scimManaged: Type.Optional(Type.Boolean()),
          ...PageQuery,
        }),
        response: { 200: Paged(Account, 'A page of accounts'), ...ERRORS },
      },
    },
    async (request) => {
      const { search, state, scimManaged } = request.query
      const paging = pagingOf(request, tenantOf(request).id)
      const page = await admin(request).list({
        ...(search !== undefined && { search }),
        ...(state !== undefined && { state }),
        ...(scimManaged !== undefined && { scimManaged }),
        ...(paging.after !== undefined && { after: paging.after }),
        limit: paging.limit,
      })
      return paging.body({ ...page, items: page.items.map(accountView) })
    },
  )

  api.post(
    '/accounts',
    {
      schema: {
        tags: TAGS,
        operationId: 'createAccount',
        summary: 'Create a local account (one that exists without SCIM; a SCIM user with its login links to it)',
        params: TenantParams({}),
        body: Body({
          login: Login,
          displayName: Type.Optional(DisplayName),
          emails: Type.Optional(Emails),
          roles: Type.Optional(Roles),
          setupOwner: Type.Optional(Type.Boolean({ description: 'Exempt from the suspension that enabling SCIM brings' })),
        }),
        response: { 201: Account, ...ERRORS },
      },
    },
    async (request, reply) => reply.code(201).send(accountView(await admin(request).create(request.body))),
  )

  api.get(
    '/accounts/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'getAccount',
        summary: 'An account and its history',
        params: AccountParams,
        response: { 200: AccountDetails, ...ERRORS },
      },
    },
    async (request) => {
      const { account, history } = await admin(request).get(request.params.id)
      return { ...accountView(account), history: history.map(historyView) }
    },
  )

  api.patch(
    '/accounts/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'updateAccount',
        summary: 'Rename, change the name and emails, or set the roles of an account',
        params: AccountParams,
        body: Body({
          login: Type.Optional(Login),
          displayName: Type.Optional(DisplayName),
          emails: Type.Optional(Emails),
          roles: Type.Optional(Roles),
        }),
        response: { 200: Account, ...ERRORS },
      },
    },
    async (request) => {
      const { id } = request.params
      const { login, displayName, emails, roles } = request.body
      const accounts = admin(request)
      // Three services, three transactions: every check that can fail on the input alone is
      // made before the first write, so a refused change leaves the account as it was.
      if (login !== undefined) checkLogin(login)
      if (roles !== undefined) checkRoles(roles)
      let account = (await accounts.get(id)).account
      const profile = displayName !== undefined || emails !== undefined
      if (profile && account.scimManaged) {
        throw forbidden(`account '${account.login ?? id}' is managed by the identity provider through SCIM: its name and emails come from the IdP`)
      }
      if (login !== undefined) account = await accounts.rename(id, login)
      if (profile) {
        account = await accounts.updateProfile(id, {
          ...(displayName !== undefined && { displayName }),
          ...(emails !== undefined && { emails }),
        })
      }
      if (roles !== undefined) account = await accounts.setRoles(id, roles)
      return accountView(account)
    },
  )

  api.delete(
    '/accounts/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'deleteAccount',
        summary: 'Delete an account for good: its login is freed, a tombstone stays',
        params: AccountParams,
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      await admin(request).delete(request.params.id)
      return reply.code(204).send(null)
    },
  )

  for (const action of ['suspend', 'unsuspend'] as const) {
    api.post(
      `/accounts/:id/${action}`,
      {
        schema: {
          tags: TAGS,
          operationId: `${action}Account`,
          summary:
            action === 'suspend'
              ? 'Suspend an account: its sessions and tokens are revoked, its login kept'
              : 'Make a suspended account active again',
          params: AccountParams,
          response: { 200: Account, ...ERRORS },
        },
      },
      async (request) => accountView(await admin(request)[action](request.params.id)),
    )
  }
}
