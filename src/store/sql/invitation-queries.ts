/** Organization invitations of one tenant, written once for every database (statement.ts). */
import type { Tenant } from '../contract.js'
import type { Page } from '../records/account.js'
import type { InvitationRecord, InvitationState } from '../records/invitation.js'
import { storableKey } from '../resource-columns.js'
import type { SqlDialect } from './dialect.js'
import { paged } from './paged.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS = 'seq, id, tenant_id, scim_user_id, email, state, hash, created_at, expires_at, sent_count, accepted_at, account_id'

interface InvitationRow {
  seq: number | string
  id: string
  tenant_id: string
  scim_user_id: string
  email: string | null
  state: InvitationState
  hash: string
  created_at: string
  expires_at: string
  sent_count: number
  accepted_at: string | null
  account_id: string | null
}

const toInvitation = (row: InvitationRow): InvitationRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  scimUserId: row.scim_user_id,
  email: row.email,
  state: row.state,
  hash: row.hash,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  sentCount: Number(row.sent_count),
  acceptedAt: row.accepted_at,
  accountId: row.account_id,
})

export class InvitationQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  *insert(invitation: InvitationRecord): Work<InvitationRecord> {
    const p = new Params(this.#d)
    const values = [
      invitation.id,
      this.tenant.id,
      invitation.scimUserId,
      invitation.email,
      invitation.state,
      invitation.hash,
      invitation.createdAt,
      invitation.expiresAt,
      invitation.sentCount,
      invitation.acceptedAt,
      invitation.accountId,
    ].map((v) => p.v(v))
    yield { sql: `INSERT INTO invitations (${COLUMNS.replace('seq, ', '')}) VALUES (${values.join(', ')})`, params: p.list, prepare: true }
    return { ...invitation, tenantId: this.tenant.id }
  }

  *get(id: string, lock = false): Work<InvitationRecord | undefined> {
    if (!storableKey(id)) return undefined
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM invitations WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)}${lock ? ` ${this.#d.lockRows('update')}` : ''}`
    const [row] = rowsOf<InvitationRow>(yield { sql, params: p.list, prepare: true })
    return row && toInvitation(row)
  }

  *byHash(hash: string): Work<InvitationRecord | undefined> {
    if (!storableKey(hash)) return undefined
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM invitations WHERE hash = ${p.v(hash)} AND tenant_id = ${p.v(this.tenant.id)}`
    const [row] = rowsOf<InvitationRow>(yield { sql, params: p.list, prepare: true })
    return row && toInvitation(row)
  }

  /** The SCIM user's newest invitation. */
  *latestFor(scimUserId: string): Work<InvitationRecord | undefined> {
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM invitations WHERE tenant_id = ${p.v(this.tenant.id)} AND scim_user_id = ${p.v(scimUserId)} ORDER BY seq DESC LIMIT 1`
    const [row] = rowsOf<InvitationRow>(yield { sql, params: p.list, prepare: true })
    return row && toInvitation(row)
  }

  /** `state: 'expired'` means pending past its expiry at `now`. */
  *list(query: { state?: InvitationState | 'expired'; now: string; after?: number; limit: number }): Work<Page<InvitationRecord>> {
    const p = new Params(this.#d)
    const where = [`tenant_id = ${p.v(this.tenant.id)}`]
    if (query.after !== undefined) where.push(`seq > ${p.v(query.after)}`)
    if (query.state === 'expired') where.push(`state = 'pending' AND expires_at <= ${p.v(query.now)}`)
    else if (query.state === 'pending') where.push(`state = 'pending' AND expires_at > ${p.v(query.now)}`)
    else if (query.state !== undefined) where.push(`state = ${p.v(query.state)}`)
    const sql = `SELECT ${COLUMNS} FROM invitations WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${p.limit(query.limit + 1)}`
    return paged(rowsOf<InvitationRow>(yield { sql, params: p.list }), query.limit, toInvitation)
  }

  /** A new secret and expiry for a pending invitation that is sent again. */
  *renew(id: string, hash: string, expiresAt: string): Work<InvitationRecord | undefined> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE invitations SET hash = ${p.v(hash)}, expires_at = ${p.v(expiresAt)}, sent_count = sent_count + 1 ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} AND state = 'pending' RETURNING ${COLUMNS}`
    const [row] = rowsOf<InvitationRow>(yield { sql, params: p.list })
    return row && toInvitation(row)
  }

  *accept(id: string, accountId: string, at: string): Work<boolean> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE invitations SET state = 'accepted', accepted_at = ${p.v(at)}, account_id = ${p.v(accountId)} ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} AND state = 'pending'`
    return (yield { sql, params: p.list, prepare: true }).changes > 0
  }

  /** Every pending invitation of the SCIM user is withdrawn (it was deleted or linked otherwise). */
  *revokeFor(scimUserId: string): Work<number> {
    const p = new Params(this.#d)
    const sql = `UPDATE invitations SET state = 'revoked' WHERE tenant_id = ${p.v(this.tenant.id)} AND scim_user_id = ${p.v(scimUserId)} AND state = 'pending'`
    return (yield { sql, params: p.list, prepare: true }).changes
  }
}
