/**
 * Tenants and tokens, written once for every database (see statement.ts): the rows of the
 * `tenants` and `tokens` tables and their contract types.
 */
import { randomUUID } from 'node:crypto'
import { uniqueness } from '../../scim/errors.js'
import type { Tenant, TenantKind, TenantSettingsRecord, TokenRecord } from '../contract.js'
import { storableKey } from '../resource-columns.js'
import type { SqlDialect } from './dialect.js'
import { rowsOf, type Work } from './statement.js'

interface TenantRow {
  id: string
  kind: TenantKind
  slug: string
  created_at: string
  settings: string
}

interface TokenRow {
  id: string
  tenant_id: string
  name: string
  hash: string
  hint: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

const TENANT_COLUMNS = 'id, kind, slug, created_at, settings'
const TOKEN_COLUMNS = 'id, tenant_id, name, hash, hint, created_at, expires_at, last_used_at, revoked_at'
const TENANT_SLUG_KEY = { name: 'tenants_kind_slug', column: 'tenants.slug' }

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  kind: row.kind,
  slug: row.slug,
  createdAt: row.created_at,
  settings: JSON.parse(row.settings) as TenantSettingsRecord,
})

const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  hash: row.hash,
  hint: row.hint,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
})

export class TenantRecords {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  get dialect(): SqlDialect {
    return this.#d
  }

  /** 409 `uniqueness` when (kind, slug) exists. */
  *createTenant(kind: Exclude<TenantKind, 'instance'>, slug: string, settings: TenantSettingsRecord = {}): Work<Tenant> {
    const tenant: Tenant = { id: randomUUID(), kind, slug, createdAt: new Date().toISOString(), settings }
    const p: unknown[] = []
    const values = [tenant.id, kind, slug, tenant.createdAt, JSON.stringify(settings)].map((v) => this.#d.param(p, v)).join(', ')
    try {
      yield { sql: `INSERT INTO tenants (${TENANT_COLUMNS}) VALUES (${values})`, params: p, prepare: true }
    } catch (e) {
      if (this.#d.isUniqueViolation(e, TENANT_SLUG_KEY)) throw uniqueness(`${kind} '${slug}' already exists`)
      throw e
    }
    return tenant
  }

  *findTenant(kind: TenantKind, slug: string): Work<Tenant | undefined> {
    if (!storableKey(slug)) return undefined
    const p: unknown[] = []
    const sql = `SELECT ${TENANT_COLUMNS} FROM tenants WHERE kind = ${this.#d.param(p, kind)} AND slug = ${this.#d.param(p, slug)}`
    const [row] = rowsOf<TenantRow>(yield { sql, params: p, prepare: true })
    return row && toTenant(row)
  }

  *getTenant(id: string): Work<Tenant | undefined> {
    if (!storableKey(id)) return undefined
    const p: unknown[] = []
    const sql = `SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = ${this.#d.param(p, id)}`
    const [row] = rowsOf<TenantRow>(yield { sql, params: p, prepare: true })
    return row && toTenant(row)
  }

  *listTenants(): Work<Tenant[]> {
    const result = yield { sql: `SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`, params: [], prepare: true }
    return rowsOf<TenantRow>(result).map(toTenant)
  }

  /** Replaces the tenant's settings; undefined when there is no such tenant. */
  *updateSettings(id: string, settings: TenantSettingsRecord): Work<Tenant | undefined> {
    const p: unknown[] = []
    const sql = `UPDATE tenants SET settings = ${this.#d.param(p, JSON.stringify(settings))} WHERE id = ${this.#d.param(p, id)} RETURNING ${TENANT_COLUMNS}`
    const [row] = rowsOf<TenantRow>(yield { sql, params: p })
    return row && toTenant(row)
  }

  *insertToken(token: TokenRecord): Work<void> {
    const p: unknown[] = []
    const values = [
      token.id,
      token.tenantId,
      token.name,
      token.hash,
      token.hint,
      token.createdAt,
      token.expiresAt,
      token.lastUsedAt,
      token.revokedAt,
    ].map((v) => this.#d.param(p, v))
    yield { sql: `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (${values.join(', ')})`, params: p, prepare: true }
  }

  /** On every request's path (behind a cache): one lookup in the unique index on `hash`. */
  *findTokenByHash(hash: string): Work<TokenRecord | undefined> {
    if (!storableKey(hash)) return undefined
    const p: unknown[] = []
    const sql = `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = ${this.#d.param(p, hash)}`
    const [row] = rowsOf<TokenRow>(yield { sql, params: p, prepare: true })
    return row && toToken(row)
  }

  *listTokens(tenantId?: string): Work<TokenRecord[]> {
    const p: unknown[] = []
    const where = tenantId === undefined ? '' : ` WHERE tenant_id = ${this.#d.param(p, tenantId)}`
    const result = yield { sql: `SELECT ${TOKEN_COLUMNS} FROM tokens${where} ORDER BY created_at, id`, params: p, prepare: true }
    return rowsOf<TokenRow>(result).map(toToken)
  }

  /** False when there is no such token or it was revoked already. */
  *revokeToken(id: string, at: string): Work<boolean> {
    if (!storableKey(id)) return false
    const p: unknown[] = []
    const sql = `UPDATE tokens SET revoked_at = ${this.#d.param(p, at)} WHERE id = ${this.#d.param(p, id)} AND revoked_at IS NULL`
    return (yield { sql, params: p, prepare: true }).changes > 0
  }

  *markTokenUsed(id: string, at: string): Work<void> {
    if (!storableKey(id)) return
    const p: unknown[] = []
    const sql = `UPDATE tokens SET last_used_at = ${this.#d.param(p, at)} WHERE id = ${this.#d.param(p, id)}`
    yield { sql, params: p, prepare: true }
  }
}
