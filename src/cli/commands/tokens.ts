/** `roster token …`: the SCIM bearer tokens an IdP is given. */
import { requireTenant, tenantBasePath } from '../../provisioning/tenants.js'
import { issueToken, revokeToken } from '../../provisioning/tokens.js'
import { USAGE } from '../usage.js'
import {
  checkAction,
  describeTenant,
  expectArguments,
  LIFETIME_OPTIONS,
  parse,
  TENANT_OPTIONS,
  tenantSelector,
  tokenLifetime,
  tokenName,
  tokenStatus,
  unknownAction,
  withData,
  type Out,
} from './common.js'

/** Which action takes which option. */
const TOKEN_OPTIONS = {
  org: ['create', 'list'],
  enterprise: ['create', 'list'],
  instance: ['create', 'list'],
  name: ['create'],
  'expires-in': ['create'],
  'no-expiry': ['create'],
} as const

export async function tokenCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.token
  const { values, positionals } = parse(argv, { ...TENANT_OPTIONS, ...LIFETIME_OPTIONS }, usage)
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['create', 'list', 'revoke'], values, TOKEN_OPTIONS, usage)
  if (action === 'create') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const selector = tenantSelector(values, usage)!
    const expiresInDays = tokenLifetime(values, usage)
    const name = tokenName(values, usage)
    const issued = await withData(values, usage, async (store) => {
      const tenant = await requireTenant(store, selector.kind, selector.slug)
      const options = { ...(name && { name }), ...(expiresInDays !== undefined && { expiresInDays }) }
      return { tenant, ...(await issueToken(store, tenant, options)) }
    })
    const { record, tenant } = issued
    out(`Created token '${record.id}' for ${describeTenant(tenant)} (SCIM base URL path ${tenantBasePath(tenant)}).`)
    out(
      record.expiresAt
        ? `It expires at ${record.expiresAt}, in ${expiresInDays} days.`
        : 'It never expires: revoke it when it is no longer needed.',
    )
    out('Copy it now: it is shown only once.')
    out(issued.token)
    return
  }
  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const selector = tenantSelector(values, usage, true)
    const rows = await withData(values, usage, async (store) => {
      const tenant = selector && (await requireTenant(store, selector.kind, selector.slug))
      const tenants = new Map((await store.listTenants()).map((t) => [t.id, t]))
      return (await store.listTokens(tenant?.id)).map((t) => ({ t, tenant: tenants.get(t.tenantId) }))
    })
    const now = Date.now()
    out(['id', 'tenant', 'name', 'hint', 'status', 'created', 'expires', 'last used', 'revoked'].join('\t'))
    for (const { t, tenant } of rows) {
      out(
        [
          t.id,
          tenant ? describeTenant(tenant) : '?',
          t.name,
          t.hint,
          tokenStatus(t, now),
          t.createdAt,
          t.expiresAt ?? 'never',
          t.lastUsedAt ?? '-',
          t.revokedAt ?? '-',
        ].join('\t'),
      )
    }
    return
  }
  if (action === 'revoke') {
    expectArguments(action, args, [1, 1], 'exactly one token id', usage)
    const id = args[0]!
    await withData(values, usage, (store) => revokeToken(store, id))
    out(`Revoked token '${id}'.`)
    return
  }
  throw unknownAction(action, usage)
}
