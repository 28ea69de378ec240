/**
 * One tenant's durable events, written once for every database (statement.ts).
 *
 * Seqs come from the tenant's row in `event_counters`, bumped in the transaction of the change:
 * the row stays locked until that transaction ends (PostgreSQL; SQLite has one writer anyway),
 * so the tenant's event writers commit one after the other and seq order is commit order. A
 * reader that has seen seq n has therefore seen every seq below it, and a rolled-back change
 * gives its seqs back: no gaps.
 */
import type { Tenant } from '../contract.js'
import type { EventRecord, NewEvent } from '../records/event.js'
import type { ColumnType, SqlDialect } from './dialect.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

const COLUMNS = 'seq, id, tenant_id, type, at, resource_type, resource_id, request_id, log_entry_id, data'

interface EventRow {
  seq: number | string
  id: string
  tenant_id: string
  type: string
  at: string
  resource_type: string | null
  resource_id: string | null
  request_id: string | null
  log_entry_id: string | null
  data: string
}

export const toEvent = (row: EventRow): EventRecord => ({
  seq: Number(row.seq),
  id: row.id,
  tenantId: row.tenant_id,
  type: row.type,
  at: row.at,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  requestId: row.request_id,
  logEntryId: row.log_entry_id,
  data: JSON.parse(row.data) as Record<string, unknown>,
})

const APPENDED_COLUMNS: readonly { readonly name: string; readonly type: ColumnType }[] = [
  { name: 'id', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'at', type: 'text' },
  { name: 'resource_type', type: 'text' },
  { name: 'resource_id', type: 'text' },
  { name: 'request_id', type: 'text' },
  { name: 'log_entry_id', type: 'text' },
  { name: 'data', type: 'text' },
]

export class EventQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  /**
   * Appends `events` in order, with the next seqs of the tenant; returns the last one. Two
   * statements whatever the number of events: the counter, then one insert.
   */
  *append(events: readonly NewEvent[]): Work<{ tenantId: string; last: number }> {
    if (events.length === 0) return { tenantId: this.tenant.id, last: 0 }
    const p = new Params(this.#d)
    const counter =
      `INSERT INTO event_counters (tenant_id, last_seq) VALUES (${p.v(this.tenant.id)}, ${p.v(events.length)}) ` +
      `ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq + excluded.last_seq RETURNING last_seq`
    const [row] = rowsOf<{ last_seq: number | string }>(yield { sql: counter, params: p.list, prepare: true })
    const last = Number(row!.last_seq)
    const first = last - events.length + 1
    const q = new Params(this.#d)
    const tenant = q.v(this.tenant.id)
    const base = q.v(first - 1)
    const rows = events.map((e) => [e.id, e.type, e.at, e.resourceType, e.resourceId, e.requestId, e.logEntryId, JSON.stringify(e.data)])
    const from = this.#d.rowsFrom(rows, APPENDED_COLUMNS, 'r', q.list)
    const names = APPENDED_COLUMNS.map((c) => c.name)
    const sql =
      `INSERT INTO events (tenant_id, seq, ${names.join(', ')}) ` +
      `SELECT ${tenant}, ${base} + r.n, ${names.map((c) => `r.${c}`).join(', ')} FROM ${from} ORDER BY r.n`
    yield { sql, params: q.list }
    return { tenantId: this.tenant.id, last }
  }

  /** Up to `limit` events after `after`, in seq order. */
  *list(after: number, limit: number): Work<EventRecord[]> {
    const p = new Params(this.#d)
    const sql =
      `SELECT ${COLUMNS} FROM events WHERE tenant_id = ${p.v(this.tenant.id)} AND seq > ${p.v(after)} ` +
      `ORDER BY seq LIMIT ${p.limit(limit)}`
    return rowsOf<EventRow>(yield { sql, params: p.list, prepare: true }).map(toEvent)
  }

  /** The last seq the tenant has committed (0: none yet). */
  *lastSeq(): Work<number> {
    const p = new Params(this.#d)
    const sql = `SELECT last_seq FROM event_counters WHERE tenant_id = ${p.v(this.tenant.id)}`
    const [row] = rowsOf<{ last_seq: number | string }>(yield { sql, params: p.list, prepare: true })
    return row ? Number(row.last_seq) : 0
  }
}

/** Every tenant's events, read outside any transaction (the pull feed, webhook deliverers). */
export class EventFeed {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  /** Up to `limit` of the tenant's events after `after`, in seq order. */
  *list(tenantId: string, after: number, limit: number): Work<EventRecord[]> {
    const p = new Params(this.#d)
    const sql =
      `SELECT ${COLUMNS} FROM events WHERE tenant_id = ${p.v(tenantId)} AND seq > ${p.v(after)} ` +
      `ORDER BY seq LIMIT ${p.limit(limit)}`
    return rowsOf<EventRow>(yield { sql, params: p.list, prepare: true }).map(toEvent)
  }
}
