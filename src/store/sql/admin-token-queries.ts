/** Admin API tokens, written once for every database (statement.ts). */
import type { AdminTokenRecord } from '../records/admin-token.js'
import { storableKey } from '../resource-columns.js'
import type { SqlDialect } from './dialect.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS = 'id, tenant_id, name, hash, hint, created_at, expires_at, last_used_at, revoked_at'

interface Row {
  id: string
  tenant_id: string | null
  name: string
  hash: string
  hint: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

const toRecord = (r: Row): AdminTokenRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  hash: r.hash,
  hint: r.hint,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
})

export class AdminTokenQueries {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  *insert(token: AdminTokenRecord): Work<void> {
    const p = new Params(this.#d)
    const values = [token.id, token.tenantId, token.name, token.hash, token.hint, token.createdAt, token.expiresAt, token.lastUsedAt, token.revokedAt]
    yield { sql: `INSERT INTO admin_tokens (${COLUMNS}) VALUES (${values.map((v) => p.v(v)).join(', ')})`, params: p.list, prepare: true }
  }

  *byHash(hash: string): Work<AdminTokenRecord | undefined> {
    if (!storableKey(hash)) return undefined
    const p = new Params(this.#d)
    const [row] = rowsOf<Row>(yield { sql: `SELECT ${COLUMNS} FROM admin_tokens WHERE hash = ${p.v(hash)}`, params: p.list, prepare: true })
    return row && toRecord(row)
  }

  *list(): Work<AdminTokenRecord[]> {
    return rowsOf<Row>(yield { sql: `SELECT ${COLUMNS} FROM admin_tokens ORDER BY created_at, id`, params: [], prepare: true }).map(toRecord)
  }

  *revoke(id: string, at: string): Work<boolean> {
    if (!storableKey(id)) return false
    const p = new Params(this.#d)
    const sql = `UPDATE admin_tokens SET revoked_at = ${p.v(at)} WHERE id = ${p.v(id)} AND revoked_at IS NULL`
    return (yield { sql, params: p.list, prepare: true }).changes > 0
  }

  *touch(id: string, at: string): Work<void> {
    const p = new Params(this.#d)
    yield { sql: `UPDATE admin_tokens SET last_used_at = ${p.v(at)} WHERE id = ${p.v(id)}`, params: p.list, prepare: true }
  }
}
