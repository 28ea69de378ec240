/**
 * Sessions of the admin UI, written once for every database (statement.ts). A session is read
 * together with its admin token in one statement: every request authenticated by cookie needs
 * both, and the token's revocation or expiry must end the session at once.
 */
import type { AdminSessionRecord } from '../records/admin-session.js'
import type { AdminTokenRecord } from '../records/admin-token.js'
import { storableKey } from '../resource-columns.js'
import type { SqlDialect } from './dialect.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS = 'id, hash, admin_token_id, created_at, last_seen_at, expires_at'

interface Row {
  s_id: string
  s_hash: string
  s_admin_token_id: string
  s_created_at: string
  s_last_seen_at: string
  s_expires_at: string
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

export interface SessionWithToken {
  readonly session: AdminSessionRecord
  readonly token: AdminTokenRecord
}

const toPair = (r: Row): SessionWithToken => ({
  session: {
    id: r.s_id,
    hash: r.s_hash,
    adminTokenId: r.s_admin_token_id,
    createdAt: r.s_created_at,
    lastSeenAt: r.s_last_seen_at,
    expiresAt: r.s_expires_at,
  },
  token: {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    hash: r.hash,
    hint: r.hint,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  },
})

export class AdminSessionQueries {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  *insert(session: AdminSessionRecord): Work<void> {
    const p = new Params(this.#d)
    const values = [session.id, session.hash, session.adminTokenId, session.createdAt, session.lastSeenAt, session.expiresAt]
    yield { sql: `INSERT INTO admin_sessions (${COLUMNS}) VALUES (${values.map((v) => p.v(v)).join(', ')})`, params: p.list, prepare: true }
  }

  /** The session whose secret hashes to `hash`, with its admin token. */
  *byHash(hash: string): Work<SessionWithToken | undefined> {
    if (!storableKey(hash)) return undefined
    const p = new Params(this.#d)
    const sql =
      'SELECT s.id AS s_id, s.hash AS s_hash, s.admin_token_id AS s_admin_token_id, s.created_at AS s_created_at, ' +
      's.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, ' +
      't.id, t.tenant_id, t.name, t.hash, t.hint, t.created_at, t.expires_at, t.last_used_at, t.revoked_at ' +
      `FROM admin_sessions s JOIN admin_tokens t ON t.id = s.admin_token_id WHERE s.hash = ${p.v(hash)}`
    const [row] = rowsOf<Row>(yield { sql, params: p.list, prepare: true })
    return row && toPair(row)
  }

  *touch(id: string, at: string): Work<void> {
    const p = new Params(this.#d)
    yield { sql: `UPDATE admin_sessions SET last_seen_at = ${p.v(at)} WHERE id = ${p.v(id)}`, params: p.list, prepare: true }
  }

  *delete(id: string): Work<boolean> {
    if (!storableKey(id)) return false
    const p = new Params(this.#d)
    return (yield { sql: `DELETE FROM admin_sessions WHERE id = ${p.v(id)}`, params: p.list, prepare: true }).changes > 0
  }

  /** Ends every session of an admin token (when it is revoked). */
  *deleteForToken(adminTokenId: string): Work<number> {
    const p = new Params(this.#d)
    return (yield { sql: `DELETE FROM admin_sessions WHERE admin_token_id = ${p.v(adminTokenId)}`, params: p.list, prepare: true }).changes
  }

  /** Removes sessions past their absolute end or idle since before `idleSince`; returns how many. */
  *prune(now: string, idleSince: string): Work<number> {
    const p = new Params(this.#d)
    const sql = `DELETE FROM admin_sessions WHERE expires_at <= ${p.v(now)} OR last_seen_at <= ${p.v(idleSince)}`
    return (yield { sql, params: p.list, prepare: true }).changes
  }
}
