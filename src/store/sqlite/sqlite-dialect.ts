/**
 * SQLite (≥ 3.39, as bundled with better-sqlite3 12): JSON through `->>`/`json_each`, folding
 * through the `scim_fold` function the store registers, and GLOB for `co`/`sw`/`ew` because
 * SQLite's LIKE ignores ASCII case.
 */
import type { AttributeType } from '../../scim/schema/attribute.js'
import { SqlDialect, type DialectCapabilities, type JsonRef, type PatternOperator } from '../sql/dialect.js'

/** The SQL function `SqliteStore` registers for `fold()`. */
export const FOLD_FUNCTION = 'scim_fold'
/** The SQL function `SqliteStore` registers for `SqlDialect.dateTime`. */
export const DATE_TIME_FUNCTION = 'scim_datetime'

/** GLOB's wildcards: a bracket expression holding one character matches just that character. */
const escapeGlob = (s: string): string => s.replace(/[*?[]/g, (c) => `[${c}]`)

export class SqliteDialect extends SqlDialect {
  readonly name = 'sqlite' as const
  readonly capabilities: DialectCapabilities = { rowLocks: false, caseSensitiveLike: false }

  override toParam(value: unknown): unknown {
    return typeof value === 'boolean' ? (value ? 1 : 0) : value
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
