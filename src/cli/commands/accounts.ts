/** `roster account …`: list, show, suspend and unsuspend the accounts of one tenant (AccountAdmin). */
import { AccountAdmin } from '../../provisioning/accounts/admin-accounts.js'
import { settingsOf } from '../../provisioning/tenant-settings.js'
import { notFound } from '../../scim/errors.js'
import type { Tenant, TenantStore } from '../../store/contract.js'
import type { AccountHistoryEntry, AccountRecord, AccountState } from '../../store/records/account.js'
import { USAGE } from '../usage.js'
import {
  checkAction,
  describeTenant,
  expectArguments,
  listLimit,
  oneOf,
  parse,
  TENANT_OPTIONS,
  unknownAction,
  UsageError,
  withTenant,
  type Out,
} from './common.js'
import { moreNote, orDash, printable, printJson, printTable, table } from './output.js'

const STATES: readonly AccountState[] = ['active', 'suspended', 'deleted']

/** Which action takes which option (the tenant options, every one). */
const ACCOUNT_OPTIONS = {
  search: ['list'],
  state: ['list'],
  limit: ['list'],
  json: ['list', 'show'],
} as const

/**
 * The account an argument names: its id, else its login (in any case). A deleted account has
 * no login any more, so only its id finds it.
 */
export async function findAccount(store: TenantStore, ref: string): Promise<AccountRecord> {
  const account = await store.transaction(async (tx) => (await tx.accounts.get(ref)) ?? (await tx.accounts.byLogin(ref)))
  if (!account) throw notFound(`there is no account with the id or login '${ref}' in ${describeTenant(store.tenant)}`)
  return account
}

/** How messages name an account: its login while it has one. */
const named = (a: AccountRecord) => (a.login === null ? `'${a.id}'` : `'${a.login}' (${a.id})`)

function scimLink(a: AccountRecord, tenant: Tenant): string {
  if (a.scimUserId === null) return a.scimManaged ? 'managed through SCIM' : 'not linked to a SCIM user'
  if (!a.scimManaged) return `linked to SCIM user ${a.scimUserId}`
  const rule = settingsOf(tenant).requireScim ? '; the tenant requires SCIM: change it at the IdP' : ''
  return `managed by the identity provider, SCIM user ${a.scimUserId}${rule}`
}

/** A history entry's detail as `name=value` pairs: strings as they are, anything else as JSON. */
const detailText = (detail: AccountHistoryEntry['detail']) =>
  Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')

/** A count from the detail of the history entry an action wrote, when it wrote one. */
async function lastEntry(admin: AccountAdmin, id: string, action: string): Promise<AccountHistoryEntry['detail']> {
  const { history } = await admin.get(id)
  return history.filter((h) => h.action === action).at(-1)?.detail ?? {}
}

const count = (n: unknown, one: string, many: string) => (typeof n === 'number' ? `${n} ${n === 1 ? one : many}` : undefined)

export async function accountCommand(argv: string[], out: Out): Promise<void> {
  const usage = USAGE.account
  const { values, positionals } = parse(
    argv,
    { ...TENANT_OPTIONS, search: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    usage,
  )
  const [action, ...args] = positionals
  if (values.help) return out(usage)
  checkAction(action, ['list', 'show', 'suspend', 'unsuspend'], values, ACCOUNT_OPTIONS, usage)

  if (action === 'list') {
    expectArguments(action, args, [0, 0], 'no argument', usage)
    const state = oneOf(values, 'state', STATES, usage)
    const search = values.search as string | undefined
    if (search === '') throw new UsageError(`--search takes the start of a login, name or email, got ''`, usage)
    const limit = listLimit(values, usage)
    const { page, tenant } = await withTenant(values, usage, async (store, tenant) => ({
      tenant,
      page: await new AccountAdmin(store.forTenant(tenant)).list({ limit, ...(state && { state }), ...(search && { search }) }),
    }))
    const more = page.next !== undefined
    if (values.json) return printJson(out, { items: page.items, more })
    if (page.items.length === 0) {
      return out(search || state ? `No accounts in ${describeTenant(tenant)} match.` : `No accounts in ${describeTenant(tenant)}.`)
    }
    printTable(
      out,
      ['ID', 'LOGIN', 'STATE', 'SCIM', 'NAME', 'EMAIL', 'ROLES'],
      page.items.map((a) => [
        a.id,
        orDash(a.login),
        a.state,
        a.scimManaged ? 'managed' : a.scimUserId ? 'linked' : '-',
        orDash(a.displayName),
        orDash(a.emails[0]),
        orDash(a.roles.join(',')),
      ]),
    )
    moreNote(out, page.items.length, more, '--search or --state')
    return
  }

  if (action === 'show') {
    expectArguments(action, args, [1, 1], 'an account id or login', usage)
    const ref = args[0]!
    const { details, tenant, userName } = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const found = await findAccount(scoped, ref)
      const details = await new AccountAdmin(scoped).get(found.id)
      const user = details.account.scimUserId === null ? undefined : await scoped.get('User', details.account.scimUserId)
      return { details, tenant, userName: typeof user?.document.userName === 'string' ? user.document.userName : undefined }
    })
    const { account: a, history } = details
    if (values.json) {
      const scimUser = a.scimUserId === null ? null : { id: a.scimUserId, userName: userName ?? null }
      return printJson(out, { account: a, scimUser, history })
    }
    out(`Account ${printable(named(a))} in ${describeTenant(tenant)}`)
    const since = (at: string | null) => (at ? ` since ${at}` : '')
    const rows: [string, string][] = [
      ['login', orDash(a.login)],
      ['display name', orDash(a.displayName)],
      ['state', a.state === 'active' ? 'active' : `${a.state}${since(a.suspendedAt)}`],
      ['roles', orDash(a.roles.join(', '))],
      ['emails', orDash(a.emails.join(', '))],
      ['SCIM', scimLink(a, tenant) + (userName === undefined ? '' : ` (userName ${userName})`)],
      ['setup owner', a.setupOwner ? 'yes: enabling SCIM does not suspend it' : 'no'],
      ['created', a.createdAt],
      ['updated', a.updatedAt],
    ]
    for (const line of table(['', ''], rows).slice(1)) out(`  ${line}`)
    out('')
    if (history.length === 0) return out('History: nothing recorded.')
    out('History, oldest first:')
    for (const line of table(['', '', ''], history.map((h) => [h.at, h.action, detailText(h.detail)])).slice(1)) out(`  ${line}`)
    return
  }

  if (action === 'suspend' || action === 'unsuspend') {
    expectArguments(action, args, [1, 1], 'an account id or login', usage)
    const ref = args[0]!
    const { before, after, detail } = await withTenant(values, usage, async (store, tenant) => {
      const scoped = store.forTenant(tenant)
      const admin = new AccountAdmin(scoped)
      const before = await findAccount(scoped, ref)
      const after = action === 'suspend' ? await admin.suspend(before.id) : await admin.unsuspend(before.id)
      const changed = before.state !== after.state
      return { before, after, detail: changed ? await lastEntry(admin, before.id, action === 'suspend' ? 'suspended' : 'unsuspended') : {} }
    })
    if (before.state === after.state) return out(`Account ${printable(named(after))} is ${after.state} already.`)
    if (action === 'suspend') {
      const what = [
        count(detail.revokedCredentials, 'session or token revoked', 'sessions and tokens revoked'),
        count(detail.leftTeams, 'team left', 'teams left'),
      ].filter(Boolean)
      out(`Suspended account ${printable(named(after))}${what.length ? `: ${what.join(', ')}` : ''}.`)
    } else {
      // Only an account linked to a SCIM user has groups to bring it back into teams.
      const joined =
        after.scimUserId === null ? undefined : count(detail.joinedTeams, 'team joined through its SCIM groups', 'teams joined through its SCIM groups')
      out(`Unsuspended account ${printable(named(after))}: it is active again${joined ? `, ${joined}` : ''}.`)
      out('Sessions and tokens revoked when it was suspended stay revoked.')
    }
    return
  }

  throw unknownAction(action, usage)
}
