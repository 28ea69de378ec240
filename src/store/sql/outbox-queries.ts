/**
 * The email outbox, written once for every database (statement.ts). `OutboxQueries` is one
 * tenant's view (enqueue in the transaction of the change, list, retry, templates);
 * `OutboxDelivery` is the sender's, across tenants: it claims due messages with a lease so
 * that each is handed to exactly one sender of any process sharing the database.
 */
import type { Tenant } from '../contract.js'
import type { Page } from '../records/account.js'
import type { EmailOutcome, EmailTemplate, OutboxMessage, OutboxState } from '../records/invitation.js'
import { storableKey } from '../resource-columns.js'
import type { ColumnType, SqlDialect } from './dialect.js'
import { paged } from './paged.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS =
  'seq, id, tenant_id, template, recipient, subject, text, html, state, attempts, next_attempt_at, claimed_until, ' +
  'last_error, created_at, sent_at, account_id, invitation_id'

interface OutboxRow {
  seq: number | string
  id: string
  tenant_id: string
  template: string
  recipient: string
  subject: string
  text: string
  html: string
  state: OutboxState
  attempts: number
  next_attempt_at: string
  claimed_until: string | null
  last_error: string | null
  created_at: string
  sent_at: string | null
  account_id: string | null
  invitation_id: string | null
}

const toMessage = (row: OutboxRow): OutboxMessage => ({
  id: row.id,
  tenantId: row.tenant_id,
  template: row.template,
  recipient: row.recipient,
  subject: row.subject,
  text: row.text,
  html: row.html,
  state: row.state,
  attempts: Number(row.attempts),
  nextAttemptAt: row.next_attempt_at,
  claimedUntil: row.claimed_until,
  lastError: row.last_error,
  createdAt: row.created_at,
  sentAt: row.sent_at,
  accountId: row.account_id,
  invitationId: row.invitation_id,
})

const ENQUEUED_COLUMNS: readonly { readonly name: string; readonly type: ColumnType }[] = [
  { name: 'id', type: 'text' },
  { name: 'template', type: 'text' },
  { name: 'recipient', type: 'text' },
  { name: 'subject', type: 'text' },
  { name: 'text', type: 'text' },
  { name: 'html', type: 'text' },
  { name: 'created_at', type: 'text' },
  { name: 'account_id', type: 'text' },
  { name: 'invitation_id', type: 'text' },
]

export type NewOutboxMessage = Pick<
  OutboxMessage,
  'id' | 'template' | 'recipient' | 'subject' | 'text' | 'html' | 'createdAt' | 'accountId' | 'invitationId'
>

export class OutboxQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  *enqueue(message: NewOutboxMessage): Work<void> {
    const p = new Params(this.#d)
    const values = [
      message.id,
      this.tenant.id,
      message.template,
      message.recipient,
      message.subject,
      message.text,
      message.html,
      message.createdAt,
      message.createdAt,
      message.accountId,
      message.invitationId,
    ].map((v) => p.v(v))
    const sql =
      'INSERT INTO outbox (id, tenant_id, template, recipient, subject, text, html, created_at, next_attempt_at, account_id, ' +
      `invitation_id, state, attempts) VALUES (${values.join(', ')}, 'pending', 0)`
    yield { sql, params: p.list, prepare: true }
  }

  /** `enqueue` for many messages in one statement. */
  *enqueueMany(messages: readonly NewOutboxMessage[]): Work<void> {
    if (messages.length === 0) return
    const p = new Params(this.#d)
    const tenant = p.v(this.tenant.id)
    const rows = messages.map((m) => [m.id, m.template, m.recipient, m.subject, m.text, m.html, m.createdAt, m.accountId, m.invitationId])
    const from = this.#d.rowsFrom(rows, ENQUEUED_COLUMNS, 'r', p.list)
    const names = ENQUEUED_COLUMNS.map((c) => c.name)
    const sql =
      `INSERT INTO outbox (tenant_id, ${names.join(', ')}, next_attempt_at, state, attempts) ` +
      `SELECT ${tenant}, ${names.map((n) => `r.${n}`).join(', ')}, r.created_at, 'pending', 0 FROM ${from} ORDER BY r.n`
    yield { sql, params: p.list }
  }

  *get(id: string): Work<OutboxMessage | undefined> {
    if (!storableKey(id)) return undefined
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM outbox WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)}`
    const [row] = rowsOf<OutboxRow>(yield { sql, params: p.list, prepare: true })
    return row && toMessage(row)
  }

  *list(query: { state?: OutboxState; recipient?: string; after?: number; limit: number }): Work<Page<OutboxMessage>> {
    const p = new Params(this.#d)
    const where = [`tenant_id = ${p.v(this.tenant.id)}`]
    if (query.after !== undefined) where.push(`seq > ${p.v(query.after)}`)
    if (query.state !== undefined) where.push(`state = ${p.v(query.state)}`)
    if (query.recipient !== undefined) where.push(`recipient = ${p.v(query.recipient)}`)
    const sql = `SELECT ${COLUMNS} FROM outbox WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${p.limit(query.limit + 1)}`
    return paged(rowsOf<OutboxRow>(yield { sql, params: p.list }), query.limit, toMessage)
  }

  /** A failed message goes back to pending, due now, with a fresh count of attempts. */
  *retry(id: string, now: string): Work<OutboxMessage | undefined> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ${p.v(now)}, claimed_until = NULL ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} AND state = 'failed' RETURNING ${COLUMNS}`
    const [row] = rowsOf<OutboxRow>(yield { sql, params: p.list })
    return row && toMessage(row)
  }

  /**
   * Records how the delivery of a message its sender holds ('sending') ended. False when it is
   * no longer 'sending': its lease ran out and it was failed as abandoned meanwhile.
   */
  *settle(id: string, outcome: EmailOutcome): Work<boolean> {
    const p = new Params(this.#d)
    const set =
      outcome.state === 'sent'
        ? `state = 'sent', sent_at = ${p.v(outcome.at)}, last_error = NULL`
        : `state = 'failed', last_error = ${p.v(outcome.error)}`
    const sql = `UPDATE outbox SET ${set}, claimed_until = NULL WHERE tenant_id = ${p.v(this.tenant.id)} AND id = ${p.v(id)} AND state = 'sending'`
    return (yield { sql, params: p.list, prepare: true }).changes > 0
  }

  /**
   * Messages whose sender stopped while sending them (a crash, a kill) may or may not have
   * reached the mail server. They are never sent again by themselves — that could send twice —
   * but failed with why, for an operator to retry. Returns them.
   */
  *abandonExpiredLeases(now: string, error: string): Work<OutboxMessage[]> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE outbox SET state = 'failed', claimed_until = NULL, last_error = ${p.v(error)} ` +
      `WHERE tenant_id = ${p.v(this.tenant.id)} AND state = 'sending' AND claimed_until < ${p.v(now)} RETURNING ${COLUMNS}`
    return rowsOf<OutboxRow>(yield { sql, params: p.list }).map(toMessage)
  }

  /** The tenant's override of a template (kept in its settings, `emailTemplates`). */
  *template(name: string): Work<EmailTemplate | undefined> {
    return (yield* this.#overrides(false))[name]
  }

  *templates(): Work<EmailTemplate[]> {
    return Object.values(yield* this.#overrides(false)).sort((a, b) => a.name.localeCompare(b.name))
  }

  *putTemplate(template: EmailTemplate, _at: string): Work<void> {
    const overrides = yield* this.#overrides(true)
    overrides[template.name] = { name: template.name, subject: template.subject, text: template.text, html: template.html }
    yield* this.#saveOverrides(overrides)
  }

  *deleteTemplate(name: string): Work<boolean> {
    const overrides = yield* this.#overrides(true)
    if (!(name in overrides)) return false
    delete overrides[name]
    yield* this.#saveOverrides(overrides)
    return true
  }

  #settings?: Record<string, unknown>

  *#overrides(lock: boolean): Work<Record<string, EmailTemplate>> {
    const p = new Params(this.#d)
    const sql = `SELECT settings FROM tenants WHERE id = ${p.v(this.tenant.id)}${lock ? this.#d.lockRows('update') : ''}`
    const [row] = rowsOf<{ settings: string }>(yield { sql, params: p.list, prepare: true })
    this.#settings = row ? (JSON.parse(row.settings) as Record<string, unknown>) : {}
    return { ...((this.#settings.emailTemplates ?? {}) as Record<string, EmailTemplate>) }
  }

  *#saveOverrides(overrides: Record<string, EmailTemplate>): Work<void> {
    const settings: Record<string, unknown> = { ...this.#settings }
    if (Object.keys(overrides).length) settings.emailTemplates = overrides
    else delete settings.emailTemplates
    const p = new Params(this.#d)
    yield { sql: `UPDATE tenants SET settings = ${p.v(JSON.stringify(settings))} WHERE id = ${p.v(this.tenant.id)}`, params: p.list, prepare: true }
  }
}

export class OutboxDelivery {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  /**
   * Takes up to `limit` due messages for one sender: they become 'sending' until `leaseUntil`,
   * with one more attempt counted. One statement, so two senders never take the same message
   * (PostgreSQL skips rows another sender is taking; SQLite has one writer at a time).
   */
  *claim(now: string, leaseUntil: string, limit: number): Work<OutboxMessage[]> {
    const p = new Params(this.#d)
    const skip = this.#d.name === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''
    const sql =
      `UPDATE outbox SET state = 'sending', claimed_until = ${p.v(leaseUntil)}, attempts = attempts + 1 ` +
      `WHERE seq IN (SELECT seq FROM outbox WHERE state = 'pending' AND next_attempt_at <= ${p.v(now)} ` +
      `ORDER BY next_attempt_at, seq LIMIT ${p.limit(limit)}${skip}) RETURNING ${COLUMNS}`
    return rowsOf<OutboxRow>(yield { sql, params: p.list }).map(toMessage)
  }

  /** A transient failure: pending again from `nextAttemptAt`. */
  *markRetry(id: string, nextAttemptAt: string, error: string): Work<void> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE outbox SET state = 'pending', next_attempt_at = ${p.v(nextAttemptAt)}, claimed_until = NULL, last_error = ${p.v(error)} ` +
      `WHERE id = ${p.v(id)} AND state = 'sending'`
    yield { sql, params: p.list, prepare: true }
  }

  /** Tenants with messages whose sender's lease ran out mid-delivery (OutboxQueries.abandonExpiredLeases). */
  *tenantsWithExpiredLeases(now: string): Work<string[]> {
    const p = new Params(this.#d)
    const sql = `SELECT DISTINCT tenant_id FROM outbox WHERE state = 'sending' AND claimed_until < ${p.v(now)}`
    return rowsOf<{ tenant_id: string }>(yield { sql, params: p.list }).map((r) => r.tenant_id)
  }

  /** Messages by state, for metrics and `outbox list`. */
  *depth(): Work<Record<OutboxState, number>> {
    const rows = rowsOf<{ state: OutboxState; n: number | string }>(
      yield { sql: 'SELECT state, count(*) AS n FROM outbox GROUP BY state', params: [] },
    )
    const depth: Record<OutboxState, number> = { pending: 0, sending: 0, sent: 0, failed: 0 }
    for (const r of rows) depth[r.state] = Number(r.n)
    return depth
  }
}
