/**
 * One tenant's provisioning log, written once for every database (statement.ts). An entry is
 * one INSERT in the transaction of the write it records (several creates of a PostgreSQL batch:
 * one INSERT for all); lists read newest first by `seq`; pruning deletes old entries in
 * bounded batches.
 */
import { foldCase } from '../../scim/fold-case.js'
import type { Tenant } from '../contract.js'
import type { Page } from '../records/account.js'
import type { LogChange, LogClient, LogEntry, LogQuery, NewLogEntry } from '../records/provisioning-log.js'
import type { ColumnType, SqlDialect } from './dialect.js'
import { Params } from './params.js'
import { rowsOf, type Work } from './statement.js'

/** The columns an entry writes, in `values()` order. */
const WRITTEN: readonly { readonly name: string; readonly type: ColumnType }[] = [
  { name: 'at', type: 'text' },
  { name: 'request_id', type: 'text' },
  { name: 'bulk_index', type: 'integer' },
  { name: 'bulk_id', type: 'text' },
  { name: 'token_id', type: 'text' },
  { name: 'token_name', type: 'text' },
  { name: 'client', type: 'text' },
  { name: 'user_agent', type: 'text' },
  { name: 'method', type: 'text' },
  { name: 'path', type: 'text' },
  { name: 'status', type: 'integer' },
  { name: 'scim_type', type: 'text' },
  { name: 'detail', type: 'text' },
  { name: 'resource_type', type: 'text' },
  { name: 'resource_id', type: 'text' },
  { name: 'user_name', type: 'text' },
  { name: 'user_name_fold', type: 'text' },
  { name: 'tolerances', type: 'text' },
  { name: 'changes', type: 'text' },
  { name: 'duration_us', type: 'integer' },
]

const NAMES = WRITTEN.map((c) => c.name).join(', ')
const COLUMNS = `seq, ${NAMES}`

interface LogRow {
  seq: number | string
  at: string
  request_id: string
  bulk_index: number | string | null
  bulk_id: string | null
  token_id: string | null
  token_name: string | null
  client: LogClient
  user_agent: string | null
  method: string
  path: string
  status: number | string
  scim_type: string | null
  detail: string | null
  resource_type: 'User' | 'Group' | null
  resource_id: string | null
  user_name: string | null
  tolerances: string | null
  changes: string | null
  duration_us: number | string
}

/** The text columns are bounded so that no client can make one entry (or the log) huge. */
const MAX_TEXT = 2_000

const cut = (text: string | null): string | null => (text !== null && text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text)

function values(e: NewLogEntry): unknown[] {
  return [
    e.at,
    e.requestId,
    e.bulkIndex,
    e.bulkId,
    e.tokenId,
    e.tokenName,
    e.client,
    cut(e.userAgent),
    e.method,
    cut(e.path),
    e.status,
    e.scimType,
    cut(e.detail),
    e.resourceType,
    e.resourceId === null ? null : cut(e.resourceId),
    e.userName === null ? null : cut(e.userName),
    e.userName === null ? null : cut(foldCase(e.userName)),
    e.tolerances?.length ? JSON.stringify(e.tolerances) : null,
    e.changes === null ? null : JSON.stringify(e.changes),
    Math.max(0, Math.round(e.durationMs * 1000)),
  ]
}

const toEntry = (row: LogRow): LogEntry => ({
  seq: Number(row.seq),
  at: row.at,
  requestId: row.request_id,
  bulkIndex: row.bulk_index === null ? null : Number(row.bulk_index),
  bulkId: row.bulk_id,
  tokenId: row.token_id,
  tokenName: row.token_name,
  client: row.client,
  userAgent: row.user_agent,
  method: row.method,
  path: row.path,
  status: Number(row.status),
  scimType: row.scim_type,
  detail: row.detail,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  userName: row.user_name,
  tolerances: row.tolerances === null ? null : (JSON.parse(row.tolerances) as string[]),
  changes: row.changes === null ? null : (JSON.parse(row.changes) as LogChange[]),
  durationMs: Number(row.duration_us) / 1000,
})

const STATUS_RANGES = { '2xx': [200, 300], '3xx': [300, 400], '4xx': [400, 500], '5xx': [500, 600] } as const

export class ProvisioningLogQueries {
  readonly #d: SqlDialect
  readonly tenant: Tenant

  constructor(dialect: SqlDialect, tenant: Tenant) {
    this.#d = dialect
    this.tenant = tenant
  }

  /** Returns the entry's seq: events of the write name their entry by it (`logEntryId`). */
  *append(entry: NewLogEntry): Work<number> {
    const p = new Params(this.#d)
    const tenant = p.v(this.tenant.id)
    const placeholders = values(entry).map((v) => p.v(v))
    const sql = `INSERT INTO provisioning_log (tenant_id, ${NAMES}) VALUES (${tenant}, ${placeholders.join(', ')}) RETURNING seq`
    const [row] = rowsOf<{ seq: number | string }>(yield { sql, params: p.list, prepare: true })
    return Number(row!.seq)
  }

  /**
   * `append` for several entries in one statement (the creates of one PostgreSQL batch);
   * returns their seqs in the order of `entries`.
   */
  *appendMany(entries: readonly NewLogEntry[]): Work<number[]> {
    if (entries.length === 0) return []
    if (entries.length === 1) return [yield* this.append(entries[0]!)]
    const p = new Params(this.#d)
    const tenant = p.v(this.tenant.id)
    const from = this.#d.rowsFrom(entries.map(values), WRITTEN, 'r', p.list)
    const sql =
      `INSERT INTO provisioning_log (tenant_id, ${NAMES}) ` +
      `SELECT ${tenant}, ${WRITTEN.map((c) => `r.${c.name}`).join(', ')} FROM ${from} ORDER BY r.n RETURNING seq`
    const rows = rowsOf<{ seq: number | string }>(yield { sql, params: p.list, prepare: true })
    // Seqs are drawn in insertion order (ORDER BY r.n), whatever order RETURNING lists them in.
    return rows.map((r) => Number(r.seq)).sort((a, b) => a - b)
  }

  /** Newest first; with `after`, oldest first from there. */
  *list(query: LogQuery): Work<Page<LogEntry>> {
    const p = new Params(this.#d)
    const where = [`tenant_id = ${p.v(this.tenant.id)}`]
    if (query.before !== undefined) where.push(`seq < ${p.v(query.before)}`)
    if (query.after !== undefined) where.push(`seq > ${p.v(query.after)}`)
    if (query.upTo !== undefined) where.push(`seq <= ${p.v(query.upTo)}`)
    if (query.from !== undefined) where.push(`at >= ${p.v(query.from)}`)
    if (query.to !== undefined) where.push(`at < ${p.v(query.to)}`)
    if (query.status !== undefined) {
      const [low, high] = STATUS_RANGES[query.status]
      where.push(`status >= ${p.v(low)} AND status < ${p.v(high)}`)
    }
    if (query.resourceType !== undefined) where.push(`resource_type = ${p.v(query.resourceType)}`)
    if (query.resourceId !== undefined) where.push(`resource_id = ${p.v(query.resourceId)}`)
    if (query.user !== undefined) {
      where.push(`resource_type = 'User' AND (resource_id = ${p.v(query.user)} OR user_name_fold = ${p.v(foldCase(query.user))})`)
    }
    if (query.client !== undefined) where.push(`client = ${p.v(query.client)}`)
    if (query.requestId !== undefined) where.push(`request_id = ${p.v(query.requestId)}`)
    if (query.method !== undefined) where.push(`method = ${p.v(query.method)}`)
    const sql = `SELECT ${COLUMNS} FROM provisioning_log WHERE ${where.join(' AND ')} ORDER BY seq ${query.after === undefined ? 'DESC' : 'ASC'} LIMIT ${p.limit(query.limit + 1)}`
    const rows = rowsOf<LogRow>(yield { sql, params: p.list })
    const more = rows.length > query.limit
    const shown = more ? rows.slice(0, query.limit) : rows
    const last = shown.at(-1)
    return more && last ? { items: shown.map(toEntry), next: Number(last.seq) } : { items: shown.map(toEntry) }
  }

  /** One entry by its seq (its id), or undefined: pruned, never written, or another tenant's. */
  *get(seq: number): Work<LogEntry | undefined> {
    const p = new Params(this.#d)
    const sql = `SELECT ${COLUMNS} FROM provisioning_log WHERE tenant_id = ${p.v(this.tenant.id)} AND seq = ${p.v(seq)}`
    const [row] = rowsOf<LogRow>(yield { sql, params: p.list, prepare: true })
    return row === undefined ? undefined : toEntry(row)
  }

  /**
   * The seq of the tenant's newest entry whatever any filter (0: none yet): where a reader
   * that follows the log goes on from, so that it never reads again what it looked at.
   */
  *newest(): Work<number> {
    const p = new Params(this.#d)
    const sql = `SELECT seq FROM provisioning_log WHERE tenant_id = ${p.v(this.tenant.id)} ORDER BY seq DESC LIMIT 1`
    const [row] = rowsOf<{ seq: number | string }>(yield { sql, params: p.list, prepare: true })
    return row === undefined ? 0 : Number(row.seq)
  }

  /**
   * Deletes those of the tenant's `limit` oldest entries that were written before `cutoff`;
   * returns how many. Reads only those `limit` rows (the (tenant_id, seq) index), whatever the
   * log's size: entries are written in time order, give or take concurrent writes, so fewer
   * than `limit` deleted means the old ones are gone.
   */
  *prune(cutoff: string, limit: number): Work<number> {
    const p = new Params(this.#d)
    const sql =
      'DELETE FROM provisioning_log WHERE seq IN (SELECT o.seq FROM (SELECT seq, at FROM provisioning_log ' +
      `WHERE tenant_id = ${p.v(this.tenant.id)} ORDER BY seq LIMIT ${p.limit(limit)}) o WHERE o.at < ${p.v(cutoff)})`
    return (yield { sql, params: p.list, prepare: true }).changes
  }
}
