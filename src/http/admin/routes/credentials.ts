/**
 * Sessions and personal access tokens of accounts, and their verification: an application
 * creates them here, and asks here whether a presented one is valid.
 */
import type { FastifyRequest } from 'fastify'
import Type, { type Static } from 'typebox'
import {
  issueCredential,
  listCredentials,
  MAX_CREDENTIAL_DAYS,
  revokeCredential,
  verifyCredential,
} from '../../../provisioning/accounts/credentials.js'
import { notFound, unauthorized } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { CredentialKind, CredentialRecord } from '../../../store/records/account.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, CredentialName, Days, Key, named, NoContent, Nullable, OneOf, TenantParams, Timestamp } from '../schemas.js'
import { Account, AccountParams, accountView } from './accounts.js'

const CredentialSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  kind: OneOf(['session', 'token']),
  name: Type.String(),
  hint: Type.String({ description: 'The first characters of the secret, to tell it apart' }),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp, 'Null: never expires'),
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
})

const Credential = named('Credential', CredentialSchema)

const IssuedCredential = named(
  'IssuedCredential',
  Type.Object(
    { ...CredentialSchema.properties, secret: Type.String({ description: 'Shown this once, never stored' }) },
    { description: 'The new credential and its secret' },
  ),
)

const VerifiedCredential = named('VerifiedCredential', Type.Object({ account: Account, credential: Credential }))

const credentialView = (c: CredentialRecord): Static<typeof CredentialSchema> => ({
  id: c.id,
  accountId: c.accountId,
  kind: c.kind,
  name: c.name,
  hint: c.hint,
  createdAt: c.createdAt,
  expiresAt: c.expiresAt,
  lastUsedAt: c.lastUsedAt,
  revokedAt: c.revokedAt,
})

/** How each kind is named in paths and messages. */
const KINDS: readonly { kind: CredentialKind; path: 'sessions' | 'tokens'; param: 'sid' | 'tid'; noun: string; tag: string }[] = [
  { kind: 'session', path: 'sessions', param: 'sid', noun: 'session', tag: 'sessions' },
  { kind: 'token', path: 'tokens', param: 'tid', noun: 'personal access token', tag: 'personal-access-tokens' },
]

const invalid = () => unauthorized('the session or token is not valid: unknown, expired, revoked, or its account is not active')

export function registerCredentialRoutes(api: AdminScope, store: Store): void {
  const tenantStore = (request: FastifyRequest) => store.forTenant(tenantOf(request))

  for (const { kind, path, param, noun, tag } of KINDS) {
    const Title = kind === 'session' ? 'Session' : 'Token'

    api.get(
      `/accounts/:id/${path}`,
      {
        schema: {
          tags: [tag],
          operationId: `list${Title}s`,
          summary: `The ${noun}s of an account, revoked ones included`,
          params: AccountParams,
          querystring: Type.Object(PageQuery),
          response: { 200: Paged(Credential, `A page of ${noun}s`), ...ERRORS },
        },
      },
      async (request) => {
        const listed = await listCredentials(tenantStore(request), request.params.id, kind)
        return pagingOf(request, tenantOf(request).id).slice(listed.map(credentialView))
      },
    )

    api.post(
      `/accounts/:id/${path}`,
      {
        schema: {
          tags: [tag],
          operationId: `create${Title}`,
          summary: `Create a ${noun} for an active account; its secret is in this response only`,
          params: AccountParams,
          body: Body({
            name: Type.Optional(CredentialName),
            expiresInDays: Type.Optional(Days(MAX_CREDENTIAL_DAYS, 'Lifetime in days; left out, it never expires')),
          }),
          response: { 201: IssuedCredential, ...ERRORS },
        },
      },
      async (request, reply) => {
        const issued = await issueCredential(tenantStore(request), request.params.id, kind, request.body)
        return reply.code(201).send({ ...credentialView(issued.credential), secret: issued.secret })
      },
    )

    api.delete(
      `/accounts/:id/${path}/:${param}`,
      {
        schema: {
          tags: [tag],
          operationId: `revoke${Title}`,
          summary: `Revoke a ${noun} (it stays listed, with revokedAt)`,
          params: TenantParams({ id: Key('The account id'), [param]: Key(`The ${noun} id`) }),
          response: { 204: NoContent, ...ERRORS },
        },
      },
      async (request, reply) => {
        const { id } = request.params
        const credentialId = (request.params as Record<string, string>)[param]!
        const scoped = tenantStore(request)
        // The service revokes any credential of the account; the path names its kind too.
        const found = await scoped.transaction((tx) => tx.accounts.credential(credentialId))
        if (!found || found.accountId !== id || found.kind !== kind) throw notFound(`account '${id}' has no ${noun} '${credentialId}'`)
        await revokeCredential(scoped, id, credentialId)
        return reply.code(204).send(null)
      },
    )

    api.post(
      `/${path}/verify`,
      {
        schema: {
          tags: [tag],
          operationId: `verify${Title}`,
          summary: `Check a presented ${noun}: its account and record, or 401`,
          params: TenantParams({}),
          body: Body({ secret: Type.String({ minLength: 1, maxLength: 256, description: `The ${noun} as presented` }) }),
          response: { 200: VerifiedCredential, ...ERRORS },
        },
      },
      async (request) => {
        const verified = await verifyCredential(tenantStore(request), request.body.secret)
        // A valid token presented as a session (or the reverse) is refused like any other.
        if (verified.credential.kind !== kind) throw invalid()
        return { account: accountView(verified.account), credential: credentialView(verified.credential) }
      },
    )
  }
}
