/**
 * Accounts, their history, credentials and SCIM identities of one tenant, written once for
 * every database (statement.ts). Every statement is scoped by `tenant_id`.
 */
import { uniqueness } from '../../scim/errors.js'
import { foldCase } from '../../scim/fold-case.js'
import type { Tenant } from '../contract.js'
import type {
  AccountChange,
  AccountHistoryEntry,
  AccountListQuery,
  AccountRecord,
  AccountState,
  CredentialKind,
  CredentialRecord,
  IdentityListQuery,
  IdentityRecord,
  Page,
} from '../records/account.js'
import { storableKey } from '../resource-columns.js'
import type { ColumnType, SqlDialect } from './dialect.js'
import { paged } from './paged.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS =
  'a.seq, a.id, a.tenant_id, a.login, a.display_name, a.emails, a.roles, a.state, a.scim_managed, a.scim_user_id, ' +
  'a.setup_owner, a.created_at, a.updated_at, a.suspended_at, a.credentials_revoked_before'

interface AccountRow {
  seq: number | string
  id: string
  tenant_id: string
  login: string | null
  display_name: string
  emails: string
  roles: string
  state: AccountState
  scim_managed: number | boolean
  scim_user_id: string | null
  setup_owner: number | boolean
  created_at: string
  updated_at: string
  suspended_at: string | null
  credentials_revoked_before: string | null
}

const toAccount = (row: AccountRow): AccountRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  login: row.login,
  displayName: row.display_name,
  emails: JSON.parse(row.emails) as string[],
  roles: JSON.parse(row.roles) as string[],
  state: row.state,
  scimManaged: Boolean(row.scim_managed),
  scimUserId: row.scim_user_id,
  setupOwner: Boolean(row.setup_owner),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  suspendedAt: row.suspended_at,
  credentialsRevokedBefore: row.credentials_revoked_before,
})

/** The columns a credential is written with. */
const CREDENTIAL_INSERT_COLUMNS = 'id, tenant_id, account_id, kind, name, hash, hint, created_at, expires_at, last_used_at, revoked_at'

/**
 * Revoked when the credential says so, or when its account revoked every credential made up to
 * a time (`credentials_revoked_before`, set by suspension): one account row written, not one
 * row per session. Such a credential shows that time as its `revokedAt`.
 */
const REVOKED_BY_ACCOUNT = 'a.credentials_revoked_before IS NOT NULL AND c.created_at <= a.credentials_revoked_before'
const CREDENTIAL_COLUMNS =
  'c.seq, c.id, c.tenant_id, c.account_id, c.kind, c.name, c.hash, c.hint, c.created_at, c.expires_at, c.last_used_at, ' +
  `COALESCE(c.revoked_at, CASE WHEN ${REVOKED_BY_ACCOUNT} THEN a.credentials_revoked_before END) AS revoked_at`
const CREDENTIALS = 'credentials c JOIN accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id'

interface CredentialRow {
  seq: number | string
  id: string
  tenant_id: string
  account_id: string
  kind: CredentialKind
  name: string
  hash: string
  hint: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

const toCredential = (row: CredentialRow): CredentialRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  accountId: row.account_id,
  kind: row.kind,
  name: row.name,
  hash: row.hash,
  hint: row.hint,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
})

/** The columns `insertManyIfFree` writes per row, in its row order. */
const MANY_COLUMNS: readonly { readonly name: string; readonly type: ColumnType }[] = [
  { name: 'id', type: 'text' },
  { name: 'login', type: 'text' },
  { name: 'login_fold', type: 'text' },
  { name: 'display_name', type: 'text' },
  { name: 'emails', type: 'text' },
  { name: 'email_fold', type: 'text' },
  { name: 'roles', type: 'text' },
  { name: 'state', type: 'text' },
  { name: 'scim_managed', type: 'boolean' },
  { name: 'scim_user_id', type: 'text' },
  { name: 'setup_owner', type: 'boolean' },
  { name: 'created_at', type: 'text' },
  { name: 'updated_at', type: 'text' },
  { name: 'suspended_at', type: 'text' },
]

const LOGIN_KEY = { name: 'accounts_login', column: 'accounts.login_fold' }

/** `LIKE` pattern for "starts with `prefix`", with the pattern characters escaped. */
const startsWith = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export class AccountQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  #params(): Params {
    return new Params(this.#d)
  }

  *#one(where: (p: Params) => string, lock: boolean): Work<AccountRecord | undefined> {
    const p = this.#params()
    const sql = `SELECT ${COLUMNS} FROM accounts a WHERE a.tenant_id = ${p.v(this.tenant.id)} AND ${where(p)}${lock ? ` ${this.#d.lockRows('update')}` : ''}`
    const [row] = rowsOf<AccountRow>(yield { sql, params: p.list, prepare: true })
    return row && toAccount(row)
  }

  /** `lock`: for a read-modify-write in a transaction. */
  get(id: string, lock = false): Work<AccountRecord | undefined> {
    if (!storableKey(id)) return empty()
    return this.#one((p) => `a.id = ${p.v(id)}`, lock)
  }

  /** The account linked to a SCIM user. */
  byScimUser(scimUserId: string, lock = false): Work<AccountRecord | undefined> {
    return this.#one((p) => `a.scim_user_id = ${p.v(scimUserId)}`, lock)
  }

  /** The account whose login is `login`, in any case. */
  byLogin(login: string, lock = false): Work<AccountRecord | undefined> {
    return this.#one((p) => `a.login_fold = ${p.v(foldCase(login))}`, lock)
  }

  /** Up to two accounts whose primary email is `email` (two: enough to call a match ambiguous). */
  *byEmail(email: string): Work<AccountRecord[]> {
    const p = this.#params()
    const sql = `SELECT ${COLUMNS} FROM accounts a WHERE a.tenant_id = ${p.v(this.tenant.id)} AND a.email_fold = ${p.v(foldCase(email))} ORDER BY a.seq LIMIT 2`
    return rowsOf<AccountRow>(yield { sql, params: p.list, prepare: true }).map(toAccount)
  }

  /** 409 `uniqueness` naming the login when another account has it. */
  *insert(account: AccountRecord): Work<AccountRecord> {
    return (yield* this.#insert(account, false))!
  }

  /**
   * The account, or undefined (and nothing written) when its login is taken: the commonest
   * create needs no look-up first, and a taken login costs nothing but the look that follows.
   */
  *insertIfFree(account: AccountRecord): Work<AccountRecord | undefined> {
    return yield* this.#insert(account, true)
  }

  /** `insertIfFree` for many accounts in one statement; returns the ids inserted. */
  *insertManyIfFree(accounts: readonly AccountRecord[]): Work<Set<string>> {
    if (accounts.length === 0) return new Set()
    const p = this.#params()
    const tenant = p.v(this.tenant.id)
    const rows = accounts.map((a) => [
      a.id,
      a.login,
      a.login === null ? null : foldCase(a.login),
      a.displayName,
      JSON.stringify(a.emails),
      a.emails[0] === undefined ? null : foldCase(a.emails[0]),
      JSON.stringify(a.roles),
      a.state,
      a.scimManaged,
      a.scimUserId,
      a.setupOwner,
      a.createdAt,
      a.updatedAt,
      a.suspendedAt,
    ])
    const from = this.#d.rowsFrom(rows, MANY_COLUMNS, 'r', p.list)
    const names = MANY_COLUMNS.map((c) => c.name)
    const sql =
      `INSERT INTO accounts (tenant_id, ${names.join(', ')}) SELECT ${tenant}, ${names.map((n) => `r.${n}`).join(', ')} ` +
      `FROM ${from} ORDER BY r.n ON CONFLICT DO NOTHING RETURNING id`
    return new Set(rowsOf<{ id: string }>(yield { sql, params: p.list }).map((r) => r.id))
  }

  *#insert(account: AccountRecord, ifFree: boolean): Work<AccountRecord | undefined> {
    const p = this.#params()
    const values = [
      account.id,
      this.tenant.id,
      account.login,
      account.login === null ? null : foldCase(account.login),
      account.displayName,
      JSON.stringify(account.emails),
      account.emails[0] === undefined ? null : foldCase(account.emails[0]),
      JSON.stringify(account.roles),
      account.state,
      account.scimManaged,
      account.scimUserId,
      account.setupOwner,
      account.createdAt,
      account.updatedAt,
      account.suspendedAt,
    ].map((v) => p.v(v))
    const sql =
      'INSERT INTO accounts (id, tenant_id, login, login_fold, display_name, emails, email_fold, roles, state, ' +
      `scim_managed, scim_user_id, setup_owner, created_at, updated_at, suspended_at) VALUES (${values.join(', ')})` +
      (ifFree ? ' ON CONFLICT DO NOTHING' : '')
    try {
      if ((yield { sql, params: p.list, prepare: true }).changes === 0) return undefined
    } catch (e) {
      if (this.#d.isUniqueViolation(e, LOGIN_KEY)) throw loginTaken(account.login ?? '')
      throw e
    }
    return { ...account, tenantId: this.tenant.id }
  }

  /** Applies `change`; undefined when there is no such account. 409 when the new login is taken. */
  *update(id: string, change: AccountChange, at: string): Work<AccountRecord | undefined> {
    const p = this.#params()
    const sets: string[] = []
    const set = (column: string, value: unknown) => sets.push(`${column} = ${p.v(value)}`)
    if (change.login !== undefined) {
      set('login', change.login)
      set('login_fold', change.login === null ? null : foldCase(change.login))
    }
    if (change.displayName !== undefined) set('display_name', change.displayName)
    if (change.emails !== undefined) {
      set('emails', JSON.stringify(change.emails))
      set('email_fold', change.emails[0] === undefined ? null : foldCase(change.emails[0]))
    }
    if (change.roles !== undefined) set('roles', JSON.stringify(change.roles))
    if (change.state !== undefined) set('state', change.state)
    if (change.scimManaged !== undefined) set('scim_managed', change.scimManaged)
    if (change.scimUserId !== undefined) set('scim_user_id', change.scimUserId)
    if (change.setupOwner !== undefined) set('setup_owner', change.setupOwner)
    if (change.suspendedAt !== undefined) set('suspended_at', change.suspendedAt)
    set('updated_at', at)
    const sql =
      `UPDATE accounts SET ${sets.join(', ')} WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} ` +
      `RETURNING ${COLUMNS.replaceAll('a.', '')}`
    try {
      const [row] = rowsOf<AccountRow>(yield { sql, params: p.list })
      return row && toAccount(row)
    } catch (e) {
      if (change.login && this.#d.isUniqueViolation(e, LOGIN_KEY)) throw loginTaken(change.login)
      throw e
    }
  }

  *list(query: AccountListQuery): Work<Page<AccountRecord>> {
    const p = this.#params()
    const where = [`a.tenant_id = ${p.v(this.tenant.id)}`]
    if (query.after !== undefined) where.push(`a.seq > ${p.v(query.after)}`)
    if (query.state !== undefined) where.push(`a.state = ${p.v(query.state)}`)
    if (query.scimManaged !== undefined) where.push(`a.scim_managed = ${p.v(query.scimManaged)}`)
    if (query.search) {
      const pattern = startsWith(foldCase(query.search))
      where.push(
        `(a.login_fold LIKE ${p.v(pattern)} ESCAPE '\\' OR a.email_fold LIKE ${p.v(pattern)} ESCAPE '\\' ` +
          `OR ${this.#d.fold('a.display_name')} LIKE ${p.v(pattern)} ESCAPE '\\')`,
      )
    }
    const sql = `SELECT ${COLUMNS} FROM accounts a WHERE ${where.join(' AND ')} ORDER BY a.seq LIMIT ${p.limit(query.limit + 1)}`
    return paged(rowsOf<AccountRow>(yield { sql, params: p.list }), query.limit, toAccount)
  }

  *history(accountId: string): Work<AccountHistoryEntry[]> {
    const p = this.#params()
    const sql = `SELECT at, action, detail FROM account_history WHERE tenant_id = ${p.v(this.tenant.id)} AND account_id = ${p.v(accountId)} ORDER BY seq`
    const rows = rowsOf<{ at: string; action: string; detail: string }>(yield { sql, params: p.list, prepare: true })
    return rows.map((r) => ({ at: r.at, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> }))
  }

  *record(accountId: string, action: string, detail: Record<string, unknown>, at: string): Work<void> {
    const p = this.#params()
    const sql = `INSERT INTO account_history (tenant_id, account_id, at, action, detail) VALUES (${p.v(this.tenant.id)}, ${p.v(accountId)}, ${p.v(at)}, ${p.v(action)}, ${p.v(JSON.stringify(detail))})`
    yield { sql, params: p.list, prepare: true }
  }

  *insertCredential(credential: CredentialRecord): Work<void> {
    const p = this.#params()
    const values = [
      credential.id,
      this.tenant.id,
      credential.accountId,
      credential.kind,
      credential.name,
      credential.hash,
      credential.hint,
      credential.createdAt,
      credential.expiresAt,
      credential.lastUsedAt,
      credential.revokedAt,
    ].map((v) => p.v(v))
    yield { sql: `INSERT INTO credentials (${CREDENTIAL_INSERT_COLUMNS}) VALUES (${values.join(', ')})`, params: p.list, prepare: true }
  }

  *credentialByHash(hash: string): Work<CredentialRecord | undefined> {
    if (!storableKey(hash)) return undefined
    const p = this.#params()
    const sql = `SELECT ${CREDENTIAL_COLUMNS} FROM ${CREDENTIALS} WHERE c.hash = ${p.v(hash)} AND c.tenant_id = ${p.v(this.tenant.id)}`
    const [row] = rowsOf<CredentialRow>(yield { sql, params: p.list, prepare: true })
    return row && toCredential(row)
  }

  *credential(id: string): Work<CredentialRecord | undefined> {
    if (!storableKey(id)) return undefined
    const p = this.#params()
    const sql = `SELECT ${CREDENTIAL_COLUMNS} FROM ${CREDENTIALS} WHERE c.id = ${p.v(id)} AND c.tenant_id = ${p.v(this.tenant.id)}`
    const [row] = rowsOf<CredentialRow>(yield { sql, params: p.list, prepare: true })
    return row && toCredential(row)
  }

  /** An account's credentials of `kind` (or all), oldest first. */
  *credentials(accountId: string, kind?: CredentialKind): Work<CredentialRecord[]> {
    const p = this.#params()
    let sql = `SELECT ${CREDENTIAL_COLUMNS} FROM ${CREDENTIALS} WHERE c.tenant_id = ${p.v(this.tenant.id)} AND c.account_id = ${p.v(accountId)}`
    if (kind !== undefined) sql += ` AND c.kind = ${p.v(kind)}`
    return rowsOf<CredentialRow>(yield { sql: `${sql} ORDER BY c.seq`, params: p.list }).map(toCredential)
  }

  /**
   * An account's sessions and tokens, newest first, one page: `before` is the seq the previous
   * page ended at (credentials_account index, so page 1,000 costs what page 1 does).
   */
  *credentialPage(accountId: string, query: { before?: number; limit: number }): Work<Page<CredentialRecord>> {
    const p = this.#params()
    let sql = `SELECT ${CREDENTIAL_COLUMNS} FROM ${CREDENTIALS} WHERE c.tenant_id = ${p.v(this.tenant.id)} AND c.account_id = ${p.v(accountId)}`
    if (query.before !== undefined) sql += ` AND c.seq < ${p.v(query.before)}`
    sql += ` ORDER BY c.seq DESC LIMIT ${p.limit(query.limit + 1)}`
    return paged(rowsOf<CredentialRow>(yield { sql, params: p.list }), query.limit, toCredential)
  }

  /** False when there is no such live credential. */
  *revokeCredential(id: string, at: string): Work<boolean> {
    if (!storableKey(id)) return false
    const p = this.#params()
    const sql =
      `UPDATE credentials SET revoked_at = ${p.v(at)} WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} AND revoked_at IS NULL ` +
      'AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.tenant_id = credentials.tenant_id AND a.id = credentials.account_id ' +
      'AND a.credentials_revoked_before IS NOT NULL AND credentials.created_at <= a.credentials_revoked_before)'
    return (yield { sql, params: p.list, prepare: true }).changes > 0
  }

  /**
   * Revokes every credential of the account made up to `at` (and so every one it has: the
   * caller holds the account's row lock, and credentials are made under it); returns how many
   * were live. Two statements on the account, however many sessions it has.
   */
  *revokeCredentials(accountId: string, at: string): Work<number> {
    const c = this.#params()
    const count =
      `SELECT count(*) AS n FROM ${CREDENTIALS} WHERE c.tenant_id = ${c.v(this.tenant.id)} AND c.account_id = ${c.v(accountId)} ` +
      `AND c.revoked_at IS NULL AND NOT (${REVOKED_BY_ACCOUNT})`
    const live = Number(rowsOf<{ n: number | string }>(yield { sql: count, params: c.list, prepare: true })[0]?.n ?? 0)
    const p = this.#params()
    const sql = `UPDATE accounts SET credentials_revoked_before = ${p.v(at)} WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(accountId)}`
    yield { sql, params: p.list, prepare: true }
    return live
  }

  *deleteCredentials(accountId: string): Work<number> {
    const p = this.#params()
    const sql = `DELETE FROM credentials WHERE tenant_id = ${p.v(this.tenant.id)} AND account_id = ${p.v(accountId)}`
    return (yield { sql, params: p.list, prepare: true }).changes
  }

  *touchCredential(id: string, at: string): Work<void> {
    const p = this.#params()
    const sql = `UPDATE credentials SET last_used_at = ${p.v(at)} WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)}`
    yield { sql, params: p.list, prepare: true }
  }

  /** SCIM users with the account each is linked to, in the order they were created. */
  *identities(query: IdentityListQuery): Work<Page<IdentityRecord>> {
    const p = this.#params()
    const where = [`r.tenant_id = ${p.v(this.tenant.id)}`, `r.resource_type = 'User'`]
    if (query.after !== undefined) where.push(`r.seq > ${p.v(query.after)}`)
    if (query.search) where.push(`r.user_name_fold LIKE ${p.v(startsWith(foldCase(query.search)))} ESCAPE '\\'`)
    if (query.state === 'linked') where.push('a.id IS NOT NULL')
    if (query.state === 'unlinked') where.push('a.id IS NULL')
    const sql =
      'SELECT r.seq, r.id, r.user_name, r.external_id, r.active, a.id AS account_id, a.login, a.state ' +
      'FROM resources r LEFT JOIN accounts a ON a.tenant_id = r.tenant_id AND a.scim_user_id = r.id ' +
      `WHERE ${where.join(' AND ')} ORDER BY r.seq LIMIT ${p.limit(query.limit + 1)}`
    type Row = {
      seq: number | string
      id: string
      user_name: string
      external_id: string | null
      active: number | boolean | null
      account_id: string | null
      login: string | null
      state: AccountState | null
    }
    return paged(rowsOf<Row>(yield { sql, params: p.list }), query.limit, (r) => ({
      scimUserId: r.id,
      userName: r.user_name,
      externalId: r.external_id,
      active: r.active === null ? true : Boolean(r.active),
      accountId: r.account_id,
      login: r.login,
      accountState: r.state,
    }))
  }

  /** Active accounts no IdP manages, except the setup owner: what enabling SCIM suspends. */
  *unmanagedActive(limit: number): Work<{ accounts: AccountRecord[]; total: number }> {
    const p = this.#params()
    const where = `a.tenant_id = ${p.v(this.tenant.id)} AND a.state = 'active' AND a.scim_managed = ${p.v(false)} AND a.setup_owner = ${p.v(false)}`
    const count = rowsOf<{ n: number | string }>(yield { sql: `SELECT count(*) AS n FROM accounts a WHERE ${where}`, params: p.list })
    const q = this.#params()
    const listWhere = `a.tenant_id = ${q.v(this.tenant.id)} AND a.state = 'active' AND a.scim_managed = ${q.v(false)} AND a.setup_owner = ${q.v(false)}`
    const rows = rowsOf<AccountRow>(
      yield { sql: `SELECT ${COLUMNS} FROM accounts a WHERE ${listWhere} ORDER BY a.seq LIMIT ${q.limit(limit)}`, params: q.list },
    )
    return { accounts: rows.map(toAccount), total: Number(count[0]?.n ?? 0) }
  }

  /** Suspends what `unmanagedActive` lists, with a history entry each; returns how many. */
  *suspendUnmanaged(at: string, reason: string): Work<number> {
    const h = this.#params()
    const detail = JSON.stringify({ reason })
    yield {
      sql:
        'INSERT INTO account_history (tenant_id, account_id, at, action, detail) ' +
        `SELECT a.tenant_id, a.id, ${h.v(at)}, 'suspended', ${h.v(detail)} FROM accounts a ` +
        `WHERE a.tenant_id = ${h.v(this.tenant.id)} AND a.state = 'active' AND a.scim_managed = ${h.v(false)} AND a.setup_owner = ${h.v(false)}`,
      params: h.list,
    }
    const p = this.#params()
    const sql =
      `UPDATE accounts SET state = 'suspended', suspended_at = ${p.v(at)}, updated_at = ${p.v(at)} ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND state = 'active' AND scim_managed = ${p.v(false)} AND setup_owner = ${p.v(false)}`
    return (yield { sql, params: p.list }).changes
  }

  /** Accounts linked to a SCIM user: how many disabling SCIM would unlink. */
  *linkedCount(): Work<number> {
    const p = this.#params()
    const sql = `SELECT count(*) AS n FROM accounts WHERE tenant_id = ${p.v(this.tenant.id)} AND scim_user_id IS NOT NULL`
    return Number(rowsOf<{ n: number | string }>(yield { sql, params: p.list })[0]?.n ?? 0)
  }

  /** Disabling SCIM: every account keeps its state but no longer belongs to an IdP. */
  *unlinkAll(at: string): Work<number> {
    const h = this.#params()
    yield {
      sql:
        'INSERT INTO account_history (tenant_id, account_id, at, action, detail) ' +
        `SELECT a.tenant_id, a.id, ${h.v(at)}, 'unlinked', ${h.v(JSON.stringify({ reason: 'SCIM was disabled' }))} FROM accounts a ` +
        `WHERE a.tenant_id = ${h.v(this.tenant.id)} AND a.scim_user_id IS NOT NULL`,
      params: h.list,
    }
    const p = this.#params()
    const sql =
      `UPDATE accounts SET scim_user_id = NULL, scim_managed = ${p.v(false)}, updated_at = ${p.v(at)} ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND scim_user_id IS NOT NULL`
    return (yield { sql, params: p.list }).changes
  }

  /**
   * The SCIM users with no account linked among the next `limit` users after seq `after`:
   * drift to repair. Each step reads exactly `limit` users (not `limit` matches), so a walk
   * over a tenant where nothing is missing is as many small steps as it has users, never one
   * long scan holding the write lock.
   */
  *unlinkedUsers(after: number, limit: number): Work<{ ids: string[]; next?: number }> {
    const p = this.#params()
    const sql =
      'SELECT r.seq, r.id, EXISTS (SELECT 1 FROM accounts a WHERE a.tenant_id = r.tenant_id AND a.scim_user_id = r.id) AS linked ' +
      `FROM resources r WHERE r.tenant_id = ${p.v(this.tenant.id)} AND r.resource_type = 'User' AND r.seq > ${p.v(after)} ` +
      `ORDER BY r.seq LIMIT ${p.limit(limit)}`
    const rows = rowsOf<{ seq: number | string; id: string; linked: number | boolean }>(yield { sql, params: p.list })
    const last = rows.at(-1)
    const ids = rows.filter((r) => !r.linked).map((r) => r.id)
    return rows.length === limit && last ? { ids, next: Number(last.seq) } : { ids }
  }
}

function* empty(): Work<undefined> {
  return undefined
}

export const loginTaken = (login: string) => uniqueness(`the login '${login}' is already taken by another account`)
