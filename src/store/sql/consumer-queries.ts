/**
 * Named event consumers' positions (library/event-consumer.ts), written once for every
 * database (statement.ts). One row per consumer name and tenant: `acked_seq`, the last event
 * seq whose handler finished; the retry state of the event after it; and a lease.
 *
 * The row is the lease the way a webhook endpoint's is (webhook-queries.ts): a process claims
 * it (claimed_until, claim) before it hands events to its handler, and every later write is
 * conditional on still holding the claim. So with several processes (or hosts) running a
 * consumer of one name, each tenant's events go to one handler at a time, and a process whose
 * lease ran out (it died or stalled) cannot move the position over the next one's work.
 */
import type { SqlDialect } from './dialect.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS = 'name, tenant_id, acked_seq, attempts, next_attempt_at, last_error, claimed_until, updated_at'

interface ConsumerRow {
  name: string
  tenant_id: string
  acked_seq: number | string
  attempts: number | string
  next_attempt_at: string
  last_error: string | null
  claimed_until: string | null
  updated_at: string
}

/** Where a named consumer stands in one tenant's events. */
export interface ConsumerPosition {
  readonly name: string
  readonly tenantId: string
  /** The last seq acknowledged: every event up to it was handled (or did not match). */
  readonly ackedSeq: number
  /** Failed attempts at the event after `ackedSeq`. */
  readonly attempts: number
  /** When the next attempt may start (after a failure, the backoff's end). */
  readonly nextAttemptAt: string
  readonly lastError: string | null
  /** Until when a process holds the position; null or past: no one. */
  readonly claimedUntil: string | null
  readonly updatedAt: string
}

const toPosition = (row: ConsumerRow): ConsumerPosition => ({
  name: row.name,
  tenantId: row.tenant_id,
  ackedSeq: Number(row.acked_seq),
  attempts: Number(row.attempts),
  nextAttemptAt: row.next_attempt_at,
  lastError: row.last_error,
  claimedUntil: row.claimed_until,
  updatedAt: row.updated_at,
})

export class ConsumerQueries {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  /** The consumer's position in the tenant's events; undefined before its first claim. */
  *position(name: string, tenantId: string): Work<ConsumerPosition | undefined> {
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM event_consumers WHERE name = ${p.v(name)} AND tenant_id = ${p.v(tenantId)}`
    const [row] = rowsOf<ConsumerRow>(yield { sql, params: p.list, prepare: true })
    return row && toPosition(row)
  }

  /** Every position of the consumer, by tenant. */
  *positions(name: string): Work<ConsumerPosition[]> {
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM event_consumers WHERE name = ${p.v(name)} ORDER BY tenant_id`
    return rowsOf<ConsumerRow>(yield { sql, params: p.list, prepare: true }).map(toPosition)
  }

  /**
   * Takes the consumer's position in the tenant until `leaseUntil` if it is due and no other
   * process holds it; a consumer's first claim in a tenant starts before its first event. One
   * statement, so two processes never both win. Undefined: held elsewhere, or backing off.
   */
  *claim(name: string, tenantId: string, now: string, leaseUntil: string, claim: string): Work<ConsumerPosition | undefined> {
    const p = new Params(this.#d)
    const sql =
      `INSERT INTO event_consumers (name, tenant_id, acked_seq, attempts, next_attempt_at, claimed_until, claim, updated_at) ` +
      `VALUES (${p.v(name)}, ${p.v(tenantId)}, 0, 0, ${p.v(now)}, ${p.v(leaseUntil)}, ${p.v(claim)}, ${p.v(now)}) ` +
      `ON CONFLICT (name, tenant_id) DO UPDATE SET claimed_until = excluded.claimed_until, claim = excluded.claim ` +
      `WHERE event_consumers.next_attempt_at <= excluded.updated_at ` +
      `AND (event_consumers.claimed_until IS NULL OR event_consumers.claimed_until < excluded.updated_at) ` +
      `RETURNING ${COLUMNS}`
    const [row] = rowsOf<ConsumerRow>(yield { sql, params: p.list, prepare: true })
    return row && toPosition(row)
  }

  /**
   * Acknowledges every event up to `seq` and keeps the claim until `leaseUntil`; the next
   * event's attempts count from 0. False when the claim was lost (then nothing changed).
   */
  *ack(name: string, tenantId: string, claim: string, seq: number, now: string, leaseUntil: string): Work<boolean> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE event_consumers SET acked_seq = ${p.v(seq)}, attempts = 0, last_error = NULL, ` +
      `claimed_until = ${p.v(leaseUntil)}, updated_at = ${p.v(now)} ` +
      `WHERE name = ${p.v(name)} AND tenant_id = ${p.v(tenantId)} AND claim = ${p.v(claim)} AND acked_seq <= ${p.v(seq)}`
    return (yield { sql, params: p.list, prepare: true }).changes === 1
  }

  /** Keeps the claim until `leaseUntil` while a handler runs; false when it was lost. */
  *renew(name: string, tenantId: string, claim: string, leaseUntil: string): Work<boolean> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE event_consumers SET claimed_until = ${p.v(leaseUntil)} ` +
      `WHERE name = ${p.v(name)} AND tenant_id = ${p.v(tenantId)} AND claim = ${p.v(claim)}`
    return (yield { sql, params: p.list, prepare: true }).changes === 1
  }

  /**
   * The handler failed on the event after `ackedSeq` (the ones before it were handled or not
   * selected): that event again from `nextAttemptAt`; the claim is released. False when the
   * claim was lost (then nothing changed).
   */
  *retryLater(name: string, tenantId: string, claim: string, ackedSeq: number, attempts: number, nextAttemptAt: string, error: string, now: string): Work<boolean> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE event_consumers SET acked_seq = ${p.v(ackedSeq)}, attempts = ${p.v(attempts)}, next_attempt_at = ${p.v(nextAttemptAt)}, ` +
      `last_error = ${p.v(error)}, claimed_until = NULL, claim = NULL, updated_at = ${p.v(now)} ` +
      `WHERE name = ${p.v(name)} AND tenant_id = ${p.v(tenantId)} AND claim = ${p.v(claim)} AND acked_seq <= ${p.v(ackedSeq)}`
    return (yield { sql, params: p.list, prepare: true }).changes === 1
  }

  /** Lets another process (or this one, later) take the position at once. */
  *release(name: string, tenantId: string, claim: string): Work<void> {
    const p = new Params(this.#d)
    const sql =
      `UPDATE event_consumers SET claimed_until = NULL, claim = NULL ` +
      `WHERE name = ${p.v(name)} AND tenant_id = ${p.v(tenantId)} AND claim = ${p.v(claim)}`
    yield { sql, params: p.list, prepare: true }
  }
}
