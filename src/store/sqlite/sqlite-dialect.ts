/**
 * SQLite (≥ 3.39, as bundled with better-sqlite3 12): JSON through `->>`/`json_each`, folding
 * through the `scim_fold` function the store registers, and GLOB for `co`/`sw`/`ew` because
 * SQLite's LIKE ignores ASCII case.
 */
import type { AttributeType } from '../../scim/schema/attribute.js'
import type { ResourceTypeId } from '../contract.js'
import type { StorableResource } from '../resource-columns.js'
import type { Work } from '../sql/statement.js'
import {
  SqlDialect,
  type ColumnType,
  type DialectCapabilities,
  type JsonRef,
  type PatternOperator,
  type UniqueKey,
} from '../sql/dialect.js'

/** The SQL function `SqliteStore` registers for `fold()`. */
export const FOLD_FUNCTION = 'scim_fold'
/** The SQL function `SqliteStore` registers for `SqlDialect.dateTime`. */
export const DATE_TIME_FUNCTION = 'scim_datetime'

/** One text for every row (the statement cache finds it without building it again). */
const INSERT_RESOURCE =
  'INSERT INTO resources (tenant_id, resource_type, id, created, last_modified, user_name, user_name_fold, ' +
  'external_id, display_name, display_name_fold, active, document, version) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING'
const COUNT_INSERTED =
  'INSERT INTO resource_counts (tenant_id, resource_type, total, removed) VALUES (?, ?, ?, 0) ' +
  'ON CONFLICT (tenant_id, resource_type) DO UPDATE SET total = total + excluded.total'

/** GLOB's wildcards: a bracket expression holding one character matches just that character. */
const escapeGlob = (s: string): string => s.replace(/[*?[]/g, (c) => `[${c}]`)

export class SqliteDialect extends SqlDialect {
  readonly name = 'sqlite' as const
  readonly capabilities: DialectCapabilities = { caseSensitiveLike: false, groupsInPage: false, sharedSnapshot: true, serialWriters: true, writesInWith: false }

  override toParam(value: unknown): unknown {
    return typeof value === 'boolean' ? (value ? 1 : 0) : value
  }

  inList(expr: string, values: readonly string[], params: unknown[]): string {
    return `${expr} IN (SELECT value FROM json_each(${this.param(params, JSON.stringify(values))}))`
  }

  /** One writer: `BEGIN IMMEDIATE` holds the database's write lock for the whole transaction. */
  lockRows(_mode: 'update' | 'share' | 'read'): string {
    return ''
  }

  override indexedBy(index: string): string {
    return ` INDEXED BY ${this.jsonKey(index)}`
  }

  /** A literal: SQLite plans a bound LIMIT slower (docs/design.md, "SQLite statement shapes"). */
  override limit(count: number, _params: unknown[]): string {
    if (!Number.isSafeInteger(count) || count < 0) throw new TypeError(`LIMIT ${count}`)
    return String(count)
  }

  /** One JSON array of rows; `key` is the 0-based index of each row. */
  rowsFrom(
    rows: readonly (readonly unknown[])[],
    columns: readonly { readonly name: string; readonly type: ColumnType }[],
    alias: string,
    params: unknown[],
  ): string {
    const json = JSON.stringify(rows.map((row) => row.map((v) => this.toParam(v))))
    const items = columns.map((c, i) => `value ->> ${i} AS ${this.jsonKey(c.name)}`)
    return `(SELECT ${items.join(', ')}, key + 1 AS n FROM json_each(${this.param(params, json)})) AS ${this.jsonKey(alias)}`
  }

  /**
   * A statement per row: statements are calls into the library, not round trips, and the
   * store's one writer already makes seq order visibility order.
   */
  *insertResources(tenantId: string, type: ResourceTypeId, rows: readonly StorableResource[]): Work<Set<string>> {
    const inserted = new Set<string>()
    for (const { resource, indexed, document } of rows) {
      const params = [tenantId, type, resource.id, resource.created, resource.lastModified, ...indexed, document]
      const { changes } = yield { sql: INSERT_RESOURCE, params: params.map((v) => this.toParam(v)), prepare: true }
      if (changes > 0) inserted.add(resource.id)
    }
    if (inserted.size > 0) yield { sql: COUNT_INSERTED, params: [tenantId, type, inserted.size], prepare: true }
    return inserted
  }

  /** SQLite names the columns of the violated key, not the index: "UNIQUE constraint failed: t.a, t.b". */
  isUniqueViolation(error: unknown, key: UniqueKey): boolean {
    const e = error as { code?: unknown; message?: unknown } | null
    if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return false
    return typeof e.message === 'string' && e.message.endsWith(key.column)
  }

  fold(expr: string): string {
    return `${FOLD_FUNCTION}(${expr})`
  }

  dateTime(expr: string): string {
    return `${DATE_TIME_FUNCTION}(${expr})`
  }

  /** `'$."a"."b"'`: quoted keys, because URNs hold dots and colons. */
  jsonPath(keys: readonly string[]): string {
    return this.literal(`$${keys.map((k) => `."${this.jsonKey(k)}"`).join('')}`)
  }

  /** `->>` already yields SQL text, integers, reals, and 1/0 for JSON booleans. */
  jsonValue(ref: JsonRef, _type: AttributeType): string {
    return `${ref.base} ->> ${this.jsonPath(ref.keys)}`
  }

  jsonPresent(ref: JsonRef, scalar: boolean): string {
    const p = this.jsonPath(ref.keys)
    if (scalar) return `COALESCE(${ref.base} ->> ${p}, '') <> ''`
    // json_tree visits every node below the path; `atom` is NULL for arrays, objects and null.
    return `EXISTS (SELECT 1 FROM json_tree(${ref.base}, ${p}) AS t WHERE t.atom IS NOT NULL AND t.atom <> '')`
  }

  jsonElements(ref: JsonRef, alias: string): string {
    return `json_each(${ref.base}, ${this.jsonPath(ref.keys)}) AS ${alias}`
  }

  elementOrdinal(alias: string): string {
    return `${alias}.key`
  }

  elementJson(alias: string): string {
    return `${alias}.value`
  }

  elementValue(alias: string, _type: AttributeType): string {
    return `${alias}.value`
  }

  elementPresent(alias: string): string {
    return `COALESCE(${alias}.value, '') <> ''`
  }

  /** GLOB is case-sensitive; its wildcards in the value are bracketed. */
  protected override caseExactMatch(
    expr: string,
    op: PatternOperator,
    value: string,
    params: unknown[],
  ): string {
    const v = escapeGlob(value)
    const pattern = op === 'co' ? `*${v}*` : op === 'sw' ? `${v}*` : `*${v}`
    return `${expr} GLOB ${this.param(params, pattern)}`
  }
}

export const sqliteDialect = new SqliteDialect()
