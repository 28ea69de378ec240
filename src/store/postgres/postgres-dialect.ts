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
import { SqlDialect, type DialectCapabilities, type JsonRef } from '../sql/dialect.js'

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

const TEXT_TYPES: ReadonlySet<AttributeType> = new Set(['string', 'reference', 'binary', 'dateTime'])

export class PostgresDialect extends SqlDialect {
  readonly name = 'postgres' as const
  readonly capabilities: DialectCapabilities = { rowLocks: true, caseSensitiveLike: true }

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
