/** The SCIM tokens of a tenant: what its identity provider authenticates with. */
import Type, { type Static } from 'typebox'
import { DEFAULT_TOKEN_DAYS, issueToken, MAX_TOKEN_DAYS, revokeToken } from '../../../provisioning/tokens.js'
import { conflict, notFound } from '../../../scim/errors.js'
import type { Store, TokenRecord } from '../../../store/contract.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { Body, CredentialName, Days, Key, named, NoContent, Nullable, TenantParams, Timestamp } from '../schemas.js'

const TAGS = ['scim-tokens']

const ScimTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hint: Type.String({ description: 'The first characters of the token, to tell it apart' }),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp, 'Null: never expires'),
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
})

const ScimToken = named('ScimToken', ScimTokenSchema)

const IssuedScimToken = named(
  'IssuedScimToken',
  Type.Object(
    { ...ScimTokenSchema.properties, secret: Type.String({ description: 'The token; shown this once, never stored' }) },
    { description: 'The new token and its secret' },
  ),
)

/** Never the hash: a listing shows what tells tokens apart, nothing that could verify a guess. */
const tokenView = (t: TokenRecord): Static<typeof ScimTokenSchema> => ({
  id: t.id,
  name: t.name,
  hint: t.hint,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
})

export function registerScimTokenRoutes(api: AdminScope, store: Store): void {
  api.get(
    '/scim-tokens',
    {
      schema: {
        tags: TAGS,
        operationId: 'listScimTokens',
        summary: "The tenant's SCIM tokens, revoked ones included",
        params: TenantParams({}),
        querystring: Type.Object(PageQuery),
        response: { 200: Paged(ScimToken, 'A page of SCIM tokens'), ...ERRORS },
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      return pagingOf(request, tenant.id).slice((await store.listTokens(tenant.id)).map(tokenView))
    },
  )

  api.post(
    '/scim-tokens',
    {
      schema: {
        tags: TAGS,
        operationId: 'createScimToken',
        summary: 'Issue a SCIM token; its secret is in this response only',
        params: TenantParams({}),
        body: Body({
          name: Type.Optional(CredentialName),
          expiresInDays: Type.Optional(
            Nullable(Days(MAX_TOKEN_DAYS, 'Lifetime in days'), `Lifetime in days (default ${DEFAULT_TOKEN_DAYS}); null: never expires`),
          ),
        }),
        response: { 201: IssuedScimToken, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { name, expiresInDays } = request.body
      const days = expiresInDays === undefined ? DEFAULT_TOKEN_DAYS : (expiresInDays ?? undefined)
      const issued = await issueToken(store, tenantOf(request), {
        ...(name !== undefined && { name }),
        ...(days !== undefined && { expiresInDays: days }),
      })
      return reply.code(201).send({ ...tokenView(issued.record), secret: issued.token })
    },
  )

  api.delete(
    '/scim-tokens/:id',
    {
      schema: {
        tags: TAGS,
        operationId: 'revokeScimToken',
        summary: 'Revoke a SCIM token (it stays listed, with revokedAt)',
        params: TenantParams({ id: Key('The token id') }),
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      // Revocation is by id across the instance; the tenant's own list keeps it to its tokens.
      const token = (await store.listTokens(tenantOf(request).id)).find((t) => t.id === id)
      if (!token) throw notFound(`this tenant has no SCIM token '${id}'`)
      if (token.revokedAt !== null) throw conflict(`SCIM token '${id}' was revoked already, at ${token.revokedAt}`)
      await revokeToken(store, id)
      return reply.code(204).send(null)
    },
  )
}
