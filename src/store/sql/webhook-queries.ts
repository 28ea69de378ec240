/**
 * Webhook endpoints and their delivery log, written once for every database (statement.ts).
 * Read and written outside tenant transactions: endpoints are configuration, and a delivery
 * is never part of the change that caused its event.
 *
 * An endpoint's row is also its lease: a deliverer claims it (claimed_until, claim) before it
 * sends, and every later write of that deliverer is conditional on still holding the claim, so
 * with `--workers` or several hosts each endpoint is delivered by one deliverer at a time and
 * one whose lease ran out (a stall) cannot undo the work of the next.
 */
import type { Page } from '../records/account.js'
import type { NewWebhookDelivery, WebhookDelivery, WebhookEndpoint } from '../records/webhook.js'
import { storableKey } from '../resource-columns.js'
import type { SqlDialect } from './dialect.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const ENDPOINT_COLUMNS =
  'id, tenant_id, url, description, event_types, enabled, secret, previous_secret, previous_secret_expires_at, ' +
  'delivered_seq, attempts, first_attempt_at, next_attempt_at, last_error, claimed_until, created_at, updated_at'

interface EndpointRow {
  id: string
  tenant_id: string
  url: string
  description: string
  event_types: string
  enabled: number | string
  secret: string
  previous_secret: string | null
  previous_secret_expires_at: string | null
  delivered_seq: number | string
  attempts: number | string
  first_attempt_at: string | null
  next_attempt_at: string
  last_error: string | null
  claimed_until: string | null
  created_at: string
  updated_at: string
}

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  tenantId: row.tenant_id,
  url: row.url,
  description: row.description,
  eventTypes: JSON.parse(row.event_types) as string[],
  enabled: Number(row.enabled) === 1,
  secret: row.secret,
  previousSecret: row.previous_secret,
  previousSecretExpiresAt: row.previous_secret_expires_at,
  cursor: Number(row.delivered_seq),
  attempts: Number(row.attempts),
  firstAttemptAt: row.first_attempt_at,
  nextAttemptAt: row.next_attempt_at,
  lastError: row.last_error,
  claimedUntil: row.claimed_until,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

const DELIVERY_COLUMNS =
  'seq, id, tenant_id, endpoint_id, event_seq, event_id, event_type, kind, attempt, at, outcome, status, latency_ms, response, error'

interface DeliveryRow {
  seq: number | string
  id: string
  tenant_id: string
  endpoint_id: string
  event_seq: number | string
  event_id: string
  event_type: string
  kind: WebhookDelivery['kind']
  attempt: number | string
  at: string
  outcome: WebhookDelivery['outcome']
  status: number | string | null
  latency_ms: number | string
  response: string | null
  error: string | null
}

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  seq: Number(row.seq),
  id: row.id,
  tenantId: row.tenant_id,
  endpointId: row.endpoint_id,
  eventSeq: Number(row.event_seq),
  eventId: row.event_id,
  eventType: row.event_type,
  kind: row.kind,
  attempt: Number(row.attempt),
  at: row.at,
  outcome: row.outcome,
  status: row.status === null ? null : Number(row.status),
  latencyMs: Number(row.latency_ms),
  response: row.response,
  error: row.error,
})

/** What an admin may change of an endpoint. */
export interface EndpointChanges {
  readonly url?: string
  readonly description?: string
  readonly eventTypes?: readonly string[]
  readonly enabled?: boolean
}

export class WebhookQueries {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  *insert(e: WebhookEndpoint): Work<void> {
    const p = new Params(this.#d)
    const values = [
      e.id,
      e.tenantId,
      e.url,
      e.description,
      JSON.stringify(e.eventTypes),
      e.enabled ? 1 : 0,
      e.secret,
      e.previousSecret,
      e.previousSecretExpiresAt,
      e.cursor,
      e.attempts,
      e.firstAttemptAt,
      e.nextAttemptAt,
      e.lastError,
      e.claimedUntil,
      e.createdAt,
      e.updatedAt,
    ].map((v) => p.v(v))
    yield { sql: `INSERT INTO webhook_endpoints (${ENDPOINT_COLUMNS}) VALUES (${values.join(', ')})`, params: p.list }
  }

  *get(tenantId: string, id: string): Work<WebhookEndpoint | undefined> {
    if (!storableKey(id)) return undefined
    const p = new Params(this.#d)
    const sql = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = ${p.v(tenantId)} AND id = ${p.v(id)}`
    const [row] = rowsOf<EndpointRow>(yield { sql, params: p.list, prepare: true })
    return row && toEndpoint(row)
  }

  /** The tenant's endpoints, oldest first (a tenant has a handful; paged by the caller). */
  *list(tenantId: string): Work<WebhookEndpoint[]> {
    const p = new Params(this.#d)
    const sql = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = ${p.v(tenantId)} ORDER BY created_at, id`
    return rowsOf<EndpointRow>(yield { sql, params: p.list }).map(toEndpoint)
  }

  *update(tenantId: string, id: string, changes: EndpointChanges, at: string): Work<WebhookEndpoint | undefined> {
    const p = new Params(this.#d)
    const set = [`updated_at = ${p.v(at)}`]
    if (changes.url !== undefined) set.push(`url = ${p.v(changes.url)}`)
    if (changes.description !== undefined) set.push(`description = ${p.v(changes.description)}`)
    if (changes.eventTypes !== undefined) set.push(`event_types = ${p.v(JSON.stringify(changes.eventTypes))}`)
    if (changes.enabled !== undefined) set.push(`enabled = ${p.v(changes.enabled ? 1 : 0)}`)
    const sql =
      `UPDATE webhook_endpoints SET ${set.join(', ')} WHERE tenant_id = ${p.v(tenantId)} AND id = ${p.v(id)} ` +
      `RETURNING ${ENDPOINT_COLUMNS}`
    const [row] = rowsOf<EndpointRow>(yield { sql, params: p.list })
    return row && toEndpoint(row)
  }

  /** Deletes the endpoint and its delivery log. */
  *delete(tenantId: string, id: string): Work<boolean> {
    const p = new Params(this.#d)
    const gone = yield { sql: `DELETE FROM webhook_endpoints WHERE tenant_id = ${p.v(tenantId)} AND id = ${p.v(id)}`, params: p.list }
    if (gone.changes === 0) return false
    const q = new Params(this.#d)
    yield { sql: `DELETE FROM webhook_deliveries WHERE endpoint_id = ${q.v(id)}`, params: q.list }
    return true
  }

  /** `secret` signs from now on; the one before still signs until `previousExpiresAt`. */
  *rotate(tenantId: string, id: string, secret: string, previousExpiresAt: string, at: string): Work<WebhookEndpoint | undefined> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = ${p.v(previousExpiresAt)}, ` +
      `secret = ${p.v(secret)}, updated_at = ${p.v(at)} WHERE tenant_id = ${p.v(tenantId)} AND id = ${p.v(id)} RETURNING ${ENDPOINT_COLUMNS}`
    const [row] = rowsOf<EndpointRow>(yield { sql, params: p.list })
    return row && toEndpoint(row)
  }

  /**
   * Delivers again from the event after `cursor`, due now, with attempts counted afresh. A
   * deliverer holding the endpoint keeps its lease, but its next write fails (the claim is
   * taken from it), so it cannot move the cursor past the rewind.
   */
  *rewind(tenantId: string, id: string, cursor: number, at: string): Work<WebhookEndpoint | undefined> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE webhook_endpoints SET delivered_seq = ${p.v(cursor)}, attempts = 0, first_attempt_at = NULL, ` +
      `next_attempt_at = ${p.v(at)}, last_error = NULL, claim = NULL, updated_at = ${p.v(at)} ` +
      `WHERE tenant_id = ${p.v(tenantId)} AND id = ${p.v(id)} RETURNING ${ENDPOINT_COLUMNS}`
    const [row] = rowsOf<EndpointRow>(yield { sql, params: p.list })
    return row && toEndpoint(row)
  }

  /** Enabled endpoints due for an attempt and held by no deliverer, the longest due first. */
  *due(now: string, limit: number): Work<WebhookEndpoint[]> {
    const p = new Params(this.#d)
    const sql =
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE enabled = 1 AND next_attempt_at <= ${p.v(now)} ` +
      `AND (claimed_until IS NULL OR claimed_until < ${p.v(now)}) ORDER BY next_attempt_at, id LIMIT ${p.limit(limit)}`
    return rowsOf<EndpointRow>(yield { sql, params: p.list, prepare: true }).map(toEndpoint)
  }

  /**
   * Takes the endpoint for one deliverer until `leaseUntil`, if no other holds it and its cursor
   * is still `cursor` (what the caller read). One statement, so two deliverers never both win.
   */
  *claim(id: string, cursor: number, now: string, leaseUntil: string, claim: string): Work<WebhookEndpoint | undefined> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE webhook_endpoints SET claimed_until = ${p.v(leaseUntil)}, claim = ${p.v(claim)} ` +
      `WHERE id = ${p.v(id)} AND enabled = 1 AND delivered_seq = ${p.v(cursor)} AND next_attempt_at <= ${p.v(now)} ` +
      `AND (claimed_until IS NULL OR claimed_until < ${p.v(now)}) RETURNING ${ENDPOINT_COLUMNS}`
    const [row] = rowsOf<EndpointRow>(yield { sql, params: p.list })
    return row && toEndpoint(row)
  }

  /**
   * The events up to `cursor` are dealt with (delivered, dead-lettered or not matching): the
   * next attempt is of a later one, counted from 1. Keeps the claim until `leaseUntil`; false
   * when the claim was lost (then nothing changed).
   */
  *advance(id: string, claim: string, cursor: number, leaseUntil: string): Work<boolean> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE webhook_endpoints SET delivered_seq = ${p.v(cursor)}, attempts = 0, first_attempt_at = NULL, last_error = NULL, ` +
      `claimed_until = ${p.v(leaseUntil)} WHERE id = ${p.v(id)} AND claim = ${p.v(claim)} AND delivered_seq <= ${p.v(cursor)}`
    return (yield { sql, params: p.list, prepare: true }).changes === 1
  }

  /** A failed attempt: the same event again from `nextAttemptAt`; the claim is released. */
  *retryLater(id: string, claim: string, attempts: number, firstAttemptAt: string, nextAttemptAt: string, error: string): Work<boolean> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE webhook_endpoints SET attempts = ${p.v(attempts)}, first_attempt_at = ${p.v(firstAttemptAt)}, ` +
      `next_attempt_at = ${p.v(nextAttemptAt)}, last_error = ${p.v(error)}, claimed_until = NULL, claim = NULL ` +
      `WHERE id = ${p.v(id)} AND claim = ${p.v(claim)}`
    return (yield { sql, params: p.list, prepare: true }).changes === 1
  }

  /** Lets another deliverer (or this one, later) take the endpoint at once. */
  *release(id: string, claim: string): Work<void> {
    const p = new Params(this.#d)
    const sql = `UPDATE webhook_endpoints SET claimed_until = NULL, claim = NULL WHERE id = ${p.v(id)} AND claim = ${p.v(claim)}`
    yield { sql, params: p.list, prepare: true }
  }

  /** Records one attempt; returns its position in the log. */
  *recordDelivery(d: NewWebhookDelivery): Work<number> {
    const p = new Params(this.#d)
    const sql = `${this.#insertDelivery(p, d)} RETURNING seq`
    const [row] = rowsOf<{ seq: number | string }>(yield { sql, params: p.list, prepare: true })
    return Number(row!.seq)
  }

  #insertDelivery(p: Params, d: NewWebhookDelivery): string {
    return this.#insertDeliveries(p, [d])
  }

  /** One INSERT of all of `ds`, in their order (their log positions follow it). */
  #insertDeliveries(p: Params, ds: readonly NewWebhookDelivery[]): string {
    const rows = ds.map((d) => {
      const values = [
        d.id,
        d.tenantId,
        d.endpointId,
        d.eventSeq,
        d.eventId,
        d.eventType,
        d.kind,
        d.attempt,
        d.at,
        d.outcome,
        d.status,
        d.latencyMs,
        d.response,
        d.error,
      ].map((v) => p.v(v))
      return `(${values.join(', ')})`
    })
    return `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS.replace('seq, ', '')}) VALUES ${rows.join(', ')}`
  }

  /**
   * Deletes those of the endpoint's `limit` oldest deliveries that were attempted before
   * `cutoff`; returns how many. Reads only those rows (the (endpoint_id, seq) index), however
   * long the log: attempts are recorded in time order, give or take concurrent ones, so fewer
   * than `limit` deleted means the old ones are gone.
   */
  *pruneDeliveries(tenantId: string, endpointId: string, cutoff: string, limit: number): Work<number> {
    const p = new Params(this.#d)
    const sql =
      'DELETE FROM webhook_deliveries WHERE seq IN (SELECT o.seq FROM (SELECT seq, at FROM webhook_deliveries ' +
      `WHERE endpoint_id = ${p.v(endpointId)} AND tenant_id = ${p.v(tenantId)} ORDER BY seq LIMIT ${p.limit(limit)}) o WHERE o.at < ${p.v(cutoff)})`
    return (yield { sql, params: p.list, prepare: true }).changes
  }

  /**
   * A run of events dealt with, recorded at once: `records` (delivered or dead-lettered, in
   * order, possibly none) go into the delivery log and the cursor moves to `cursor` — at least
   * the last of them, more when events the endpoint does not take follow — keeping the claim
   * until `leaseUntil`. The deliverer's one write per batch (docs/webhooks.md, "How progress is
   * recorded"); false when the claim was lost (then the cursor did not move). The attempts are
   * logged even then, as they happened.
   *
   * Where the database takes a write in a WITH clause it is one statement — one round trip, one
   * commit, so the log rows and the cursor move are durable together; SQLite runs the insert
   * and then the update in-process (a crash between them leaves logged events to be sent, and
   * logged, again: a duplicate at-least-once allows, never a gap).
   *
   * The text differs with the number of records; the deliverer bounds that (its batch size), so
   * preparing each shape once per connection stays a handful of statements.
   */
  *recordAndAdvance(records: readonly NewWebhookDelivery[], endpointId: string, claim: string, cursor: number, leaseUntil: string): Work<boolean> {
    const { writesInWith } = this.#d.capabilities
    if (records.length === 0) return yield* this.advance(endpointId, claim, cursor, leaseUntil)
    if (!writesInWith) {
      const p = new Params(this.#d)
      yield { sql: this.#insertDeliveries(p, records), params: p.list, prepare: true }
      return yield* this.advance(endpointId, claim, cursor, leaseUntil)
    }
    const p = new Params(this.#d)
    const insert = this.#insertDeliveries(p, records)
    const sql =
      `WITH logged AS (${insert}) UPDATE webhook_endpoints SET delivered_seq = ${p.v(cursor)}, attempts = 0, first_attempt_at = NULL, ` +
      `last_error = NULL, claimed_until = ${p.v(leaseUntil)} WHERE id = ${p.v(endpointId)} AND claim = ${p.v(claim)} AND delivered_seq <= ${p.v(cursor)}`
    return (yield { sql, params: p.list, prepare: true }).changes === 1
  }

  /** An endpoint's deliveries, newest first; `before`: the position of the last one shown. */
  *deliveries(
    tenantId: string,
    endpointId: string,
    query: { before?: number; outcome?: WebhookDelivery['outcome']; limit: number },
  ): Work<Page<WebhookDelivery>> {
    const p = new Params(this.#d)
    const where = [`tenant_id = ${p.v(tenantId)}`, `endpoint_id = ${p.v(endpointId)}`]
    if (query.before !== undefined) where.push(`seq < ${p.v(query.before)}`)
    if (query.outcome !== undefined) where.push(`outcome = ${p.v(query.outcome)}`)
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${p.limit(query.limit + 1)}`
    const rows = rowsOf<DeliveryRow>(yield { sql, params: p.list })
    const more = rows.length > query.limit
    const shown = more ? rows.slice(0, query.limit) : rows
    const last = shown.at(-1)
    return more && last ? { items: shown.map(toDelivery), next: Number(last.seq) } : { items: shown.map(toDelivery) }
  }
}
