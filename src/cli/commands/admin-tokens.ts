/**
 * `roster admin-token …`: tokens of the admin API. `--instance` makes one that reaches every
 * tenant (and creates tenants); `--org`/`--enterprise` one that reaches that tenant only. Which
 * is asked for explicitly, never by default: an instance-wide token is the most powerful secret
 * Roster hands out.
 */
import { issueAdminToken, revokeAdminToken } from '../../provisioning/admin-tokens.js'
import { requireTenant } from '../../provisioning/tenants.js'
import type { Store, Tenant } from '../../store/contract.js'
import type { AdminTokenRecord } from '../../store/records/admin-token.js'
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
  UsageError,
  withData,
  type Options,
  type Out,
  type TenantSelector,
} from './common.js'
import { orDash, printJson, printTable } from './output.js'

/**
 * What `--org`/`--enterprise`/`--instance` say a token reaches: one tenant, or (null) every
 * tenant; undefined when none of them is given.
 */
function reach(values: Options, usage: string): TenantSelector | null | undefined {
  const selector = tenantSelector(values, usage, true)
  if (selector === undefined) return undefined
  return selector.kind === 'instance' ? null : selector
}

const tenantOf = (store: Store, target: TenantSelector | null): Promise<Tenant | null> =>
  target === null ? Promise.resolve(null) : requireTenant(store, target.kind, target.slug)

/** Which action takes which option. */
const ADMIN_TOKEN_OPTIONS = {
  org: ['create', 'list'],
  enterprise: ['create', 'list'],
  instance: ['create', 'list'],
  name: ['create'],
  'expires-in': ['create'],
  'no-expiry': ['create'],
  json: ['list'],
} as const

const reaches = (tenant: Tenant | null | undefined) =>
  tenant === null ? 'every tenant' : tenant === undefined ? '?' : describeTenant(tenant)

export async function adminTokenCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.adminToken
  const { values, positionals } = parse(argv, { ...TENANT_OPTIONS, ...LIFETIME_OPTIONS, json: { type: 'boolean' } }, usage)
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['create', 'list', 'revoke'], values, ADMIN_TOKEN_OPTIONS, usage)
  if (action === 'create') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const target = reach(values, usage)
    if (target === undefined) {
      throw new UsageError(
        'name what the token reaches: --org <slug> or --enterprise <slug> for one tenant, or --instance for every tenant',
        usage,
      )
    }
    const expiresInDays = tokenLifetime(values, usage)
    const name = tokenName(values, usage)
    const { tenant, issued } = await withData(values, usage, async (store) => {
      const tenant = await tenantOf(store, target)
      const options = {
        ...(tenant && { tenant }),
        ...(name && { name }),
        ...(expiresInDays !== undefined && { expiresInDays }),
      }
      return { tenant, issued: await issueAdminToken(store, options) }
    })
    const { record, token } = issued
    out(
      tenant === null
        ? `Created admin token '${record.id}' for the whole instance: it reaches every tenant and may create tenants.`
        : `Created admin token '${record.id}' for ${describeTenant(tenant)}: it reaches that tenant only.`,
    )
    out(
      record.expiresAt
        ? `It expires at ${record.expiresAt}, in ${expiresInDays} days.`
        : 'It never expires: revoke it when it is no longer needed.',
    )
    out('Copy it now: it is shown only once.')
    out(token)
    return
  }
  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const target = reach(values, usage)
    const rows = await withData(values, usage, async (store) => {
      const only = target === undefined ? undefined : await tenantOf(store, target)
      const tenants = new Map((await store.listTenants()).map((t) => [t.id, t]))
      const all = await store.adminTokens.list()
      const chosen = only === undefined ? all : all.filter((t) => t.tenantId === (only?.id ?? null))
      return chosen.map((t) => ({ t, tenant: t.tenantId === null ? null : tenants.get(t.tenantId) }))
    })
    const now = Date.now()
    if (values.json) {
      return printJson(out, {
        items: rows.map(({ t, tenant }) => ({
          ...withoutHash(t),
          status: tokenStatus(t, now),
          tenant: tenant ? { id: tenant.id, kind: tenant.kind, slug: tenant.slug } : null,
        })),
      })
    }
    if (rows.length === 0) return out('No admin tokens.')
    printTable(
      out,
      ['ID', 'REACHES', 'NAME', 'HINT', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'],
      rows.map(({ t, tenant }) => [
        t.id,
        reaches(tenant),
        t.name,
        t.hint,
        tokenStatus(t, now),
        t.createdAt,
        t.expiresAt ?? 'never',
        orDash(t.lastUsedAt),
        orDash(t.revokedAt),
      ]),
    )
    return
  }
  if (action === 'revoke') {
    expectArguments(action, args, [1, 1], 'exactly one admin token id', usage)
    const id = args[0]!
    await withData(values, usage, (store) => revokeAdminToken(store, id))
    out(`Revoked admin token '${id}'.`)
    return
  }
  throw unknownAction(action, usage)
}

/** A listing never shows a token's hash: it is all an attacker needs to try guesses offline. */
function withoutHash(t: AdminTokenRecord): Omit<AdminTokenRecord, 'hash'> {
  const { hash: _hash, ...rest } = t
  return rest
}
