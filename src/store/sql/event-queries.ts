/**
 * One tenant's durable events, written once for every database (statement.ts).
 *
 * The feed's promise: per tenant, seqs 1, 2, 3, … with no gaps, and a reader that sees seq n
 * has seen every seq below it. Two ways keep it, and `EventQueries.append` hides which:
 *
 * - PostgreSQL: writers insert their events WITHOUT a seq (pk, an identity, orders them) and
 *   never touch the tenant's counter, so concurrent writers of a tenant never wait for each
 *   other's commits. The sequencer (`EventSequencing.sequence`, run by event-sequencer.ts)
 *   then numbers committed rows in short transactions that hold the tenant's counter row: they
 *   run one at a time per tenant, each starts after the previous committed, and each numbers
 *   only rows already committed. So every seq at or below the counter is committed, seq order
 *   is visibility order, and a rolled-back write never had a seq to give back.
 * - SQLite (`serialWriters`): write transactions run one at a time anyway, so the writer takes
 *   the counter and numbers its events in its own transaction: one statement more per write
 *   instead of a second write transaction (and WAL commit) per batch.
 *
 * Everything that reads events reads numbered rows only (`seq > after`).
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

const APPENDED_NAMES = APPENDED_COLUMNS.map((c) => c.name).join(', ')

export class EventQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  /**
   * Appends `events` in order, in the caller's transaction; returns how many. Numbered at once
   * where writers are serial, otherwise left for the sequencer (file comment). One statement
   * whatever the number of events on PostgreSQL; on SQLite one for the counter and one per event.
   */
  *append(events: readonly NewEvent[]): Work<number> {
    if (events.length === 0) return 0
    const rows = events.map((e) => [e.id, e.type, e.at, e.resourceType, e.resourceId, e.requestId, e.logEntryId, JSON.stringify(e.data)])
    if (this.#d.capabilities.serialWriters) {
      const p = new Params(this.#d)
      const counter =
        `INSERT INTO event_counters (tenant_id, last_seq) VALUES (${p.v(this.tenant.id)}, ${p.v(events.length)}) ` +
        `ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq + excluded.last_seq RETURNING last_seq`
      const [row] = rowsOf<{ last_seq: number | string }>(yield { sql: counter, params: p.list, prepare: true })
      const first = Number(row!.last_seq) - events.length + 1
      // A statement per event: with serial writers the database is in process, so a statement
      // is a call, not a round trip, and binding a row's values directly costs less than half
      // of packing the rows into one JSON parameter for json_each to unpack (an event's data is
      // JSON itself, escaped inside it).
      for (let i = 0; i < rows.length; i++) {
        const q = new Params(this.#d)
        const values = [this.tenant.id, first + i, ...rows[i]!].map((v) => q.v(v))
        yield { sql: `INSERT INTO events (tenant_id, seq, ${APPENDED_NAMES}) VALUES (${values.join(', ')})`, params: q.list, prepare: true }
      }
      return events.length
    }
    const q = new Params(this.#d)
    const from = this.#d.rowsFrom(rows, APPENDED_COLUMNS, 'r', q.list)
    const sql =
      `INSERT INTO events (tenant_id, seq, ${APPENDED_NAMES}) ` +
      `SELECT ${q.v(this.tenant.id)}, NULL, ${APPENDED_COLUMNS.map((c) => `r.${c.name}`).join(', ')} FROM ${from} ORDER BY r.n`
    // The same text whatever the number of rows (rowsFrom binds them as arrays).
    yield { sql, params: q.list, prepare: true }
    return events.length
  }

  /** Up to `limit` events after `after`, in seq order. */
  *list(after: number, limit: number): Work<EventRecord[]> {
    const p = new Params(this.#d)
    const sql =
      `SELECT ${COLUMNS} FROM events WHERE tenant_id = ${p.v(this.tenant.id)} AND seq > ${p.v(after)} ` +
      `ORDER BY seq LIMIT ${p.limit(limit)}`
    return rowsOf<EventRow>(yield { sql, params: p.list, prepare: true }).map(toEvent)
  }

  /** The tenant's last seq (0: none yet); every seq up to it is committed. */
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

  /**
   * Up to `limit` of the tenant's events with seq in (`after`, `upTo`] whose type is `type`, or
   * starts with `prefix` (a `user.*` filter passes `user.`). Seqs are gap-free, so the range is
   * at most `upTo - after` rows of the (tenant_id, seq) index however rare the type.
   */
  *listOfType(tenantId: string, after: number, upTo: number, match: { type: string } | { prefix: string }, limit: number): Work<EventRecord[]> {
    const p = new Params(this.#d)
    // Parameters are numbered in the order they are added (SQLite's are positional): left to right.
    const range = `tenant_id = ${p.v(tenantId)} AND seq > ${p.v(after)} AND seq <= ${p.v(upTo)}`
    const typed = 'type' in match ? `type = ${p.v(match.type)}` : `substr(type, 1, ${Math.trunc(match.prefix.length)}) = ${p.v(match.prefix)}`
    const sql = `SELECT ${COLUMNS} FROM events WHERE ${range} AND ${typed} ORDER BY seq LIMIT ${p.limit(limit)}`
    return rowsOf<EventRow>(yield { sql, params: p.list }).map(toEvent)
  }

  /** The tenant's last seq (0: none yet); every seq up to it is committed and readable. */
  *lastSeq(tenantId: string): Work<number> {
    const p = new Params(this.#d)
    const sql = `SELECT last_seq FROM event_counters WHERE tenant_id = ${p.v(tenantId)}`
    const [row] = rowsOf<{ last_seq: number | string }>(yield { sql, params: p.list, prepare: true })
    return row ? Number(row.last_seq) : 0
  }
}

/**
 * The sequencer's work (PostgreSQL's way, file comment): which tenants have rows without a
 * seq, and numbering them. `sequence` must run in a transaction of its own, committed at once.
 */
export class EventSequencing {
  readonly #d: SqlDialect

  constructor(dialect: SqlDialect) {
    this.#d = dialect
  }

  /** Tenants with committed events that have no seq yet (their own process may have died). */
  *pendingTenants(): Work<string[]> {
    const sql = 'SELECT DISTINCT tenant_id FROM events WHERE seq IS NULL'
    return rowsOf<{ tenant_id: string }>(yield { sql, params: [], prepare: true }).map((r) => r.tenant_id)
  }

  /**
   * Numbers up to `bound` of the tenant's committed, unnumbered events in pk order; returns
   * how many. The first statement takes the tenant's counter row (made at 0 the first time)
   * and holds it until commit, so another sequencer of the tenant — in this process or any
   * other — waits here. The second is a statement of its own on purpose: under READ COMMITTED
   * it sees every commit made before it starts, including the previous sequencer's.
   */
  *sequence(tenantId: string, bound: number): Work<number> {
    const p = new Params(this.#d)
    const lock =
      `INSERT INTO event_counters (tenant_id, last_seq) VALUES (${p.v(tenantId)}, 0) ` +
      `ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq RETURNING last_seq`
    const [row] = rowsOf<{ last_seq: number | string }>(yield { sql: lock, params: p.list, prepare: true })
    const last = Number(row!.last_seq)
    // Placeholders are bound in the order they appear (SQLite's are positional): left to right.
    const q = new Params(this.#d)
    let number = `UPDATE events SET seq = ${q.v(last)} + b.n FROM (SELECT pk, row_number() OVER (ORDER BY pk) AS n FROM `
    number += `(SELECT pk FROM events WHERE tenant_id = ${q.v(tenantId)} AND seq IS NULL ORDER BY pk LIMIT ${q.limit(bound)}) AS pending) AS b `
    number += 'WHERE events.pk = b.pk'
    const { changes } = yield { sql: number, params: q.list, prepare: true }
    if (changes === 0) return 0
    const c = new Params(this.#d)
    const bump = `UPDATE event_counters SET last_seq = ${c.v(last + changes)} WHERE tenant_id = ${c.v(tenantId)}`
    yield { sql: bump, params: c.list, prepare: true }
    return changes
  }
}
