/**
 * PostgreSQL (≥ 13, built with ICU): numbered placeholders, JSON through `->`/`->>` and
 * `json_array_elements`, folding through ICU's root locale, and standard, case-sensitive `LIKE`.
 *
 * Text that is compared or sorted carries the "C" collation (byte order, which for UTF-8 is code
 * point order, as on SQLite): the columns are declared with it (migrations.ts), and the
 * expressions this dialect writes say it explicitly, so results do not depend on the
 * database's default collation.
 */
import { invalidFilter } from '../../scim/errors.js'
import type { AttributeType } from '../../scim/schema/attribute.js'
import type { ResourceTypeId } from '../contract.js'
import type { StorableResource } from '../resource-columns.js'
import type { Work } from '../sql/statement.js'
import { SqlDialect, type ColumnType, type DialectCapabilities, type JsonRef, type UniqueKey } from '../sql/dialect.js'

/** The SQL function migrations.ts creates for `SqlDialect.dateTime`. */
export const DATE_TIME_FUNCTION = 'scim_datetime'

/**
 * `fold()` in SQL. `lower()` under ICU's root locale applies the full Unicode lower-case mapping,
 * as JavaScript's `toLowerCase()` does (İ → i̇, final Σ → ς); the database's libc collation would
 * map single characters only, and "C" only ASCII.
 */
export const ICU_COLLATION = 'und-x-icu'

/** RFC 7644 §3.4.2.2 `pr` of a complex value: some scalar inside is neither null nor "". */
const NON_EMPTY_NODE =
  'strict $.** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")'

const ARRAY_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'text[]',
  integer: 'bigint[]',
  boolean: 'boolean[]',
  json: 'json[]',
}

/** The columns `insertResources` writes per row, in `StorableResource` order. */
const INSERTED_COLUMNS: readonly { readonly name: string; readonly type: ColumnType }[] = [
  { name: 'id', type: 'text' },
  { name: 'created', type: 'text' },
  { name: 'last_modified', type: 'text' },
  { name: 'user_name', type: 'text' },
  { name: 'user_name_fold', type: 'text' },
  { name: 'external_id', type: 'text' },
  { name: 'display_name', type: 'text' },
  { name: 'display_name_fold', type: 'text' },
  { name: 'active', type: 'boolean' },
  { name: 'document', type: 'json' },
]

const TEXT_TYPES: ReadonlySet<AttributeType> = new Set(['string', 'reference', 'binary', 'dateTime'])

export class PostgresDialect extends SqlDialect {
  readonly name = 'postgres' as const
  readonly capabilities: DialectCapabilities = { caseSensitiveLike: true, groupsInPage: true, sharedSnapshot: false, serialWriters: false, writesInWith: true }

  override placeholder(index: number): string {
    return `$${index}`
  }

  /** PostgreSQL text cannot hold U+0000, so no stored value contains it and a filter value must not. */
  override toParam(value: unknown): unknown {
    if (typeof value === 'string' && value.includes('\u0000')) {
      throw invalidFilter('filter: a value contains the character U+0000, which this server cannot compare')
    }
    return value
  }

  inList(expr: string, values: readonly string[], params: unknown[]): string {
    return `${expr} = ANY(${this.param(params, values)}::text[])`
  }

  /**
   * `update` is the lock an UPDATE takes (FOR NO KEY UPDATE): writers of the row wait for each
   * other, but not for a transaction that share-locks it as a new member. `share` (FOR KEY
   * SHARE) keeps the row from being deleted until the transaction ends.
   */
  lockRows(mode: 'update' | 'share' | 'read'): string {
    return mode === 'update' ? ' FOR NO KEY UPDATE' : mode === 'share' ? ' FOR KEY SHARE' : ' FOR SHARE'
  }

  /** One array parameter per column, zipped by `unnest … WITH ORDINALITY`. */
  rowsFrom(
    rows: readonly (readonly unknown[])[],
    columns: readonly { readonly name: string; readonly type: ColumnType }[],
    alias: string,
    params: unknown[],
  ): string {
    const arrays = columns.map(
      (c, i) => `${this.param(params, rows.map((row) => row[i] ?? null))}::${ARRAY_TYPES[c.type]}`,
    )
    const names = columns.map((c) => this.jsonKey(c.name))
    return `unnest(${arrays.join(', ')}) WITH ORDINALITY AS ${this.jsonKey(alias)} (${names.join(', ')}, n)`
  }

  /**
   * Without statistics, or with stale ones, the planner walks the seq index in order and
   * filters row by row (a userName lookup scanned every user) instead of using the filter's
   * own index; `seq + 0` is not an indexed expression, so it cannot.
   */
  override filteredInsertionOrder(seq: string): string {
    return `${seq} + 0`
  }

  /** A correlated subquery: the page's groups come in the page's own statement and snapshot. */
  override groupsColumn(): string {
    return (
      '(SELECT json_agg(json_build_array(m.group_id, g.display_name) ORDER BY m.seq) ' +
      'FROM memberships m LEFT JOIN resources g ' +
      "ON g.tenant_id = m.tenant_id AND g.resource_type = 'Group' AND g.id = m.group_id " +
      'WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id) AS groups'
    )
  }

  /**
   * One statement for all rows, which also runs on its own (autocommit, insert-batches.ts).
   * Seq order is visibility order: the statement takes the (tenant, type) insert lock before any
   * row draws its seq (`locked` is evaluated before the first row passes the WHERE; defaults are
   * computed after) and holds it until the transaction ends, so inserts of one (tenant, type)
   * commit one at a time, in seq order. `resource_counts.total` grows by the rows actually
   * inserted, in the same statement.
   */
  *insertResources(tenantId: string, type: ResourceTypeId, rows: readonly StorableResource[]): Work<Set<string>> {
    const p: unknown[] = []
    const tenant = this.param(p, tenantId)
    const kind = this.param(p, type)
    const from = this.rowsFrom(
      rows.map(({ resource, indexed, document }) => [resource.id, resource.created, resource.lastModified, ...indexed, document]),
      INSERTED_COLUMNS,
      'r',
      p,
    )
    const names = INSERTED_COLUMNS.map((c) => c.name)
    const sql =
      `WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ${tenant} || ${kind}, 0))), ` +
      `inserted AS (INSERT INTO resources (tenant_id, resource_type, version, ${names.join(', ')}) ` +
      `SELECT ${tenant}, ${kind}, 1, ${names.map((n) => `r.${n}`).join(', ')} FROM ${from} ` +
      'WHERE EXISTS (SELECT 1 FROM locked) ORDER BY r.n ON CONFLICT DO NOTHING RETURNING id), ' +
      'counted AS (INSERT INTO resource_counts AS c (tenant_id, resource_type, total, removed) ' +
      `SELECT ${tenant}, ${kind}, count(*), 0 FROM inserted ` +
      'ON CONFLICT (tenant_id, resource_type) DO UPDATE SET total = c.total + EXCLUDED.total) ' +
      'SELECT id FROM inserted'
    const result = yield { sql, params: p, prepare: true }
    return new Set((result.rows as { id: string }[]).map((row) => row.id))
  }

  isUniqueViolation(error: unknown, key: UniqueKey): boolean {
    const e = error as { code?: unknown; constraint?: unknown } | null
    return e?.code === '23505' && e.constraint === key.name
  }

  fold(expr: string): string {
    return `lower(normalize(${expr}, NFC) COLLATE "${ICU_COLLATION}") COLLATE "C"`
  }

  dateTime(expr: string): string {
    return `${DATE_TIME_FUNCTION}(${expr})`
  }

  /** `base -> 'a' -> 'b'`: the JSON value at the keys. */
  jsonAt(base: string, keys: readonly string[]): string {
    return keys.reduce((sql, key) => `${sql} -> ${this.literal(this.jsonKey(key))}`, base)
  }

  /** `base -> 'a' ->> 'b'`: the value at the keys as text (a JSON string unquoted); NULL for JSON null. */
  jsonText(ref: JsonRef): string {
    const last = ref.keys.at(-1)
    if (last === undefined) return `${ref.base} #>> '{}'`
    return `${this.jsonAt(ref.base, ref.keys.slice(0, -1))} ->> ${this.literal(this.jsonKey(last))}`
  }

  jsonValue(ref: JsonRef, type: AttributeType): string {
    return this.typed(this.jsonText(ref), type)
  }

  jsonPresent(ref: JsonRef, scalar: boolean): string {
    if (scalar) return `COALESCE(${this.jsonText(ref)}, '') <> ''`
    return `jsonb_path_exists((${this.jsonAt(ref.base, ref.keys)})::jsonb, ${this.literal(NON_EMPTY_NODE)})`
  }

  jsonElements(ref: JsonRef, alias: string): string {
    return `json_array_elements(${this.jsonAt(ref.base, ref.keys)}) WITH ORDINALITY AS ${alias}(value, n)`
  }

  elementOrdinal(alias: string): string {
    return `${alias}.n`
  }

  elementJson(alias: string): string {
    return `${alias}.value`
  }

  elementValue(alias: string, type: AttributeType): string {
    return this.typed(`${alias}.value #>> '{}'`, type)
  }

  elementPresent(alias: string): string {
    return `COALESCE(${alias}.value #>> '{}', '') <> ''`
  }

  /**
   * JSON text as an SQL value of the attribute's type. Stored documents are validated, so a
   * boolean attribute holds `true`/`false` and a number a JSON number: the casts cannot fail on them.
   */
  private typed(text: string, type: AttributeType): string {
    if (type === 'boolean') return `(${text})::boolean`
    if (type === 'integer' || type === 'decimal') return `(${text})::numeric`
    if (TEXT_TYPES.has(type)) return `(${text}) COLLATE "C"`
    return text
  }
}

export const postgresDialect = new PostgresDialect()
