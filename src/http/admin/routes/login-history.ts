/**
 * `GET /tenants/{t}/accounts/{id}/login-history`: an account's sign-ins (the sessions made for
 * it) and personal access tokens, newest first, each with when it was made, when it was last
 * used, and whether it is still active, expired or revoked (and when). Read page by page from
 * the credentials table's per-account index, never the whole list. Roster records no IP
 * address or user agent for a credential: the `name` the application gave it is what says
 * which client asked.
 */
import Type, { type Static } from 'typebox'
import { notFound } from '../../../scim/errors.js'
import type { Store } from '../../../store/contract.js'
import type { CredentialRecord } from '../../../store/records/account.js'
import { tenantOf } from '../auth.js'
import type { AdminScope } from '../index.js'
import { Paged, PageQuery, pagingOf } from '../pagination.js'
import { ERRORS } from '../problem.js'
import { named, Nullable, OneOf, Timestamp } from '../schemas.js'
import { AccountParams } from './accounts.js'

const LoginHistoryEntrySchema = Type.Object({
  id: Type.String({ description: 'The session or token id' }),
  kind: OneOf(['session', 'token'], 'session: a sign-in; token: a personal access token'),
  name: Type.String({ description: 'The name the application gave it: which client asked' }),
  hint: Type.String({ description: 'The first characters of the secret' }),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp, 'Last verified; null: never used'),
  expiresAt: Nullable(Timestamp, 'Null: never expires'),
  revokedAt: Nullable(Timestamp, 'Revoked by hand, or with every credential when the account was suspended'),
  state: OneOf(['active', 'expired', 'revoked']),
})

const LoginHistoryEntry = named('LoginHistoryEntry', LoginHistoryEntrySchema)

const entryView = (c: CredentialRecord, now: number): Static<typeof LoginHistoryEntrySchema> => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  hint: c.hint,
  createdAt: c.createdAt,
  lastUsedAt: c.lastUsedAt,
  expiresAt: c.expiresAt,
  revokedAt: c.revokedAt,
  state: c.revokedAt !== null ? 'revoked' : c.expiresAt !== null && Date.parse(c.expiresAt) <= now ? 'expired' : 'active',
})

export function registerLoginHistoryRoutes(api: AdminScope, store: Store, now: () => number): void {
  api.get(
    '/accounts/:id/login-history',
    {
      schema: {
        tags: ['sessions'],
        operationId: 'getLoginHistory',
        summary: "An account's sign-ins (sessions) and personal access tokens, newest first, with their use and state",
        params: AccountParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Paged(LoginHistoryEntry, 'A page of sessions and tokens, newest first'), ...ERRORS },
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const paging = pagingOf(request, tenant.id)
      const { id } = request.params
      const page = await store.forTenant(tenant).transaction(async (tx) => {
        if (!(await tx.accounts.get(id))) throw notFound(`there is no account '${id}'`)
        return tx.accounts.credentialPage(id, { ...(paging.after !== undefined && { before: paging.after }), limit: paging.limit })
      })
      const at = now()
      return paging.body({ ...page, items: page.items.map((c) => entryView(c, at)) })
    },
  )
}
