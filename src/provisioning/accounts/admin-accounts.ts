/**
 * What an administrator does to accounts (admin API, CLI). With the tenant's `requireScim`
 * on, accounts the IdP manages cannot be suspended, deleted, renamed or given roles here:
 * the IdP is the source of truth, and a change made here would be undone by its next sync.
 */
import { newId } from '../ids.js'
import { conflict, forbidden, invalidValue, notFound } from '../../scim/errors.js'
import type { TenantStore, TenantTransaction } from '../../store/contract.js'
import type { AccountHistoryEntry, AccountListQuery, AccountRecord, Page } from '../../store/records/account.js'
import { settingsOf } from '../tenant-settings.js'
import { revokeAllCredentials } from './credentials.js'
import { parseRole, type Role } from './roles.js'
import { recordAccount } from '../events/account-events.js'

export interface AccountDetails {
  readonly account: AccountRecord
  readonly history: AccountHistoryEntry[]
}

export interface NewLocalAccount {
  readonly login: string
  readonly displayName?: string
  readonly emails?: readonly string[]
  readonly roles?: readonly string[]
  /** Exempt from the suspension that enabling SCIM brings. */
  readonly setupOwner?: boolean
}

/** Letters, digits and `-_.@+`; starting and ending with a letter or digit. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9._@+-]{0,318}[A-Za-z0-9])?$/
const EMAIL = /^[^\s@]+@[^\s@]+$/

export function checkLogin(login: unknown): string {
  if (typeof login !== 'string' || !LOGIN.test(login)) {
    throw invalidValue(
      `login: ${JSON.stringify(login)} is not a login; use letters, digits and . _ - @ +, starting and ending with a letter or digit (at most 320)`,
    )
  }
  return login
}

function checkEmails(emails: readonly unknown[] | undefined): string[] {
  const list = emails ?? []
  for (const e of list) if (typeof e !== 'string' || !EMAIL.test(e)) throw invalidValue(`emails: ${JSON.stringify(e)} is not an email address`)
  return [...new Set(list as string[])]
}

export function checkRoles(roles: readonly unknown[] | undefined): Role[] {
  if (roles === undefined || roles.length === 0) return ['user']
  return [...new Set(roles.map((r) => (typeof r === 'string' ? parseRole(r, 'roles') : parseRole(String(r), 'roles'))))]
}

/** 404 for an unknown id; 403 when the IdP owns the change. */
async function load(tx: TenantTransaction, id: string, change?: string): Promise<AccountRecord> {
  const account = await tx.accounts.get(id, true)
  if (!account) throw notFound(`there is no account '${id}'`)
  if (change && account.scimManaged && settingsOf(await tx.currentTenant()).requireScim) {
    throw forbidden(
      `account '${account.login ?? id}' is managed by the identity provider through SCIM and this tenant requires SCIM: ` +
        `${change} must come from the IdP (change the user there; it sends the change to Roster)`,
    )
  }
  if (account.state === 'deleted' && change) throw conflict(`account '${id}' was deleted; it cannot change any more`)
  return account
}

export class AccountAdmin {
  readonly #store: TenantStore

  constructor(store: TenantStore) {
    this.#store = store
  }

  list(query: AccountListQuery): Promise<Page<AccountRecord>> {
    return this.#store.transaction((tx) => tx.accounts.list(query))
  }

  get(id: string): Promise<AccountDetails> {
    return this.#store.transaction(async (tx) => {
      const account = await tx.accounts.get(id)
      if (!account) throw notFound(`there is no account '${id}'`)
      const history = await tx.accounts.history(id)
      // A SCIM create writes no history row of its own (it is the commonest write); the
      // account's creation time is the entry.
      if (history[0]?.action !== 'created') history.unshift({ at: account.createdAt, action: 'created', detail: { by: 'scim' } })
      return { account, history }
    })
  }

  /** An account that exists before (or without) SCIM; a SCIM user with its login links to it. */
  create(input: NewLocalAccount): Promise<AccountRecord> {
    const login = checkLogin(input.login)
    const emails = checkEmails(input.emails)
    const roles = checkRoles(input.roles)
    return this.#store.transaction(async (tx) => {
      const now = new Date().toISOString()
      const account = await tx.accounts.insert({
        id: newId(),
        tenantId: this.#store.tenant.id,
        login,
        displayName: input.displayName ?? login,
        emails,
        roles,
        state: 'active',
        scimManaged: false,
        scimUserId: null,
        setupOwner: input.setupOwner === true,
        createdAt: now,
        updatedAt: now,
        suspendedAt: null,
      })
      await recordAccount(tx, account.id, 'created', { login, by: 'admin' }, now)
      return account
    })
  }

  /** Suspension by an administrator: sessions and tokens revoked; the login stays. */
  suspend(id: string): Promise<AccountRecord> {
    return this.#store.transaction(async (tx) => {
      const account = await load(tx, id, 'suspending it')
      if (account.state === 'suspended') return account
      const now = new Date().toISOString()
      const updated = await tx.accounts.update(id, { state: 'suspended', suspendedAt: now }, now)
      const revoked = await revokeAllCredentials(tx, id, now, 'suspended')
      // Out of the teams its groups give it: those list active accounts only.
      const leftTeams = account.scimUserId ? await tx.teams.groupTeamCount(account.scimUserId) : 0
      await recordAccount(tx, id, 'suspended', { by: 'admin', revokedCredentials: revoked, leftTeams }, now)
      return updated!
    })
  }

  unsuspend(id: string): Promise<AccountRecord> {
    return this.#store.transaction(async (tx) => {
      const account = await load(tx, id, 'unsuspending it')
      if (account.state === 'active') return account
      const now = new Date().toISOString()
      const updated = await tx.accounts.update(id, { state: 'active', suspendedAt: null }, now)
      const joined = account.scimUserId ? await tx.teams.groupTeamCount(account.scimUserId) : 0
      await recordAccount(tx, id, 'unsuspended', { by: 'admin', joinedTeams: joined }, now)
      return updated!
    })
  }

  rename(id: string, login: string): Promise<AccountRecord> {
    const next = checkLogin(login)
    return this.#store.transaction(async (tx) => {
      const account = await load(tx, id, 'renaming it')
      if (account.state !== 'active') throw conflict(`account '${id}' is ${account.state}; only an active account can be renamed`)
      if (account.login === next) return account
      const now = new Date().toISOString()
      const updated = await tx.accounts.update(id, { login: next }, now)
      await recordAccount(tx, id, 'renamed', { from: account.login, to: next, by: 'admin' }, now)
      return updated!
    })
  }

  setRoles(id: string, roles: readonly string[]): Promise<AccountRecord> {
    const next = checkRoles(roles)
    return this.#store.transaction(async (tx) => {
      const account = await load(tx, id, 'changing its roles')
      const now = new Date().toISOString()
      const updated = await tx.accounts.update(id, { roles: next }, now)
      await recordAccount(tx, id, 'roles', { from: account.roles, to: next, by: 'admin' }, now)
      return updated!
    })
  }

  /** Name and emails of an account the IdP does not manage (for a managed one the IdP overwrites them). */
  updateProfile(id: string, profile: { displayName?: string; emails?: readonly string[] }): Promise<AccountRecord> {
    const emails = profile.emails === undefined ? undefined : checkEmails(profile.emails)
    return this.#store.transaction(async (tx) => {
      const account = await load(tx, id)
      if (account.scimManaged) {
        throw forbidden(`account '${account.login ?? id}' is managed by the identity provider through SCIM: its name and emails come from the IdP`)
      }
      if (account.state === 'deleted') throw conflict(`account '${id}' was deleted; it cannot change any more`)
      const now = new Date().toISOString()
      const change = { ...(profile.displayName !== undefined && { displayName: profile.displayName }), ...(emails && { emails }) }
      return (await tx.accounts.update(id, change, now))!
    })
  }

  /** Deletes for good, as a hard deprovisioning does: a tombstone stays, the login is free. */
  delete(id: string): Promise<AccountRecord> {
    return this.#store.transaction(async (tx) => {
      const account = await load(tx, id, 'deleting it')
      if (account.scimUserId !== null) {
        throw conflict(`account '${account.login ?? id}' is linked to SCIM user ${account.scimUserId}; delete that user through SCIM instead`)
      }
      const now = new Date().toISOString()
      const updated = await tx.accounts.update(
        id,
        { state: 'deleted', login: null, displayName: '', emails: [], roles: [], suspendedAt: account.suspendedAt ?? now },
        now,
      )
      const deleted = await tx.accounts.deleteCredentials(id)
      const leftTeams = await tx.teams.accountLeftAllTeams(id)
      await recordAccount(tx, id, 'deleted', { by: 'admin', deletedCredentials: deleted, leftTeams }, now)
      return updated!
    })
  }
}
