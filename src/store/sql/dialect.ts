/**
 * The dialect boundary: everything the SQL compilers need to know about one database, and
 * nothing else. Like Kysely's per-dialect compilers, `SqlDialect` writes standard SQL and a
 * dialect overrides only what differs (placeholders, case folding, JSON access, pattern
 * matching, list parameters). Callers branch on `capabilities`, never on the dialect's name.
 *
 * Every method returns an SQL fragment. Values always travel as bound parameters (`param`);
 * the only text spliced into SQL is what the schema definitions and the compilers themselves
 * produce (attribute names, table aliases), and `literal`/`jsonKey` check or quote even that.
 */
import type { AttributeType } from '../../scim/schema/attribute.js'
import type { ResourceTypeId } from '../contract.js'
import type { StorableResource } from '../resource-columns.js'
import type { Work } from './statement.js'

/** A JSON value inside a row: an SQL expression holding JSON, and the object keys down to the value. */
export interface JsonRef {
  readonly base: string
  readonly keys: readonly string[]
}

export interface DialectCapabilities {
  /** `LIKE` compares case-exactly (standard SQL, PostgreSQL); SQLite's ignores ASCII case. */
  readonly caseSensitiveLike: boolean
  /**
   * A list page can carry each user's direct groups as a column (`groupsColumn`), saving a
   * second statement. Where statements are in-process calls (SQLite) the second statement is
   * cheaper than the correlated subquery, so the page leaves it out.
   */
  readonly groupsInPage: boolean
  /**
   * Every statement of one piece of store work sees the same snapshot (SQLite runs each read
   * inside one read transaction, and writes hold the only write lock), so a page's totals may
   * come from a statement of their own. Otherwise they are read in the page's own statement.
   */
  readonly sharedSnapshot: boolean
  /**
   * Write transactions run one at a time (SQLite): a writer may take a per-tenant counter row
   * in its transaction without making other writers wait for its commit.
   */
  readonly serialWriters: boolean
  /**
   * A `WITH` clause may hold an INSERT, UPDATE or DELETE (PostgreSQL), so two writes can be one
   * statement: one round trip and one commit instead of two where each statement is a round trip.
   */
  readonly writesInWith: boolean
}

/** A unique index or constraint, as a violation of it is reported. */
export interface UniqueKey {
  /** The index or constraint name (PostgreSQL reports it). */
  readonly name: string
  /** `table.column` of its last column (SQLite names the columns, not the index). */
  readonly column: string
}

/** The types of values `rowsFrom` carries. */
export type ColumnType = 'text' | 'integer' | 'boolean' | 'json'

export type PatternOperator = 'co' | 'sw' | 'ew'

/** Attribute names and URNs as the schema definitions spell them; nothing a client typed. */
const JSON_KEY = /^[A-Za-z0-9$_:.-]+$/

export abstract class SqlDialect {
  abstract readonly name: 'sqlite' | 'postgres'
  abstract readonly capabilities: DialectCapabilities

  /** The placeholder of the `index`-th parameter (1-based). */
  placeholder(_index: number): string {
    return '?'
  }

  /** Converts a JavaScript value to what the driver binds (e.g. booleans for SQLite). */
  toParam(value: unknown): unknown {
    return value
  }

  /** Appends `value` to `params` and returns its placeholder. */
  param(params: unknown[], value: unknown): string {
    params.push(this.toParam(value))
    return this.placeholder(params.length)
  }

  /** A string literal, for constants the compiler itself writes (`'User'`, `'direct'`). */
  literal(text: string): string {
    return `'${text.replaceAll("'", "''")}'`
  }

  /** Guards the names spliced into JSON paths; they come from schema definitions. */
  protected jsonKey(key: string): string {
    if (!JSON_KEY.test(key)) throw new TypeError(`not a JSON key the compiler may splice into SQL: ${key}`)
    return key
  }

  /** The same folding as `foldCase()` in src/scim/fold-case.ts, applied in the database. */
  abstract fold(expr: string): string

  /** A dateTime text with any offset as the UTC `toISOString()` text of its instant (NULL if not one). */
  abstract dateTime(expr: string): string

  /** The scalar at `ref` as an SQL value of the attribute's type; NULL when absent. */
  abstract jsonValue(ref: JsonRef, type: AttributeType): string

  /**
   * RFC 7644 §3.4.2.2 `pr`: "has a non-empty value, or if it contains a non-empty node" — some
   * scalar inside that is neither null nor "". `scalar` promises the value is not an array or
   * object, which allows a cheaper test. Never NULL.
   */
  abstract jsonPresent(ref: JsonRef, scalar: boolean): string

  /** A FROM item yielding one row per element of the array at `ref`, named `alias`. */
  abstract jsonElements(ref: JsonRef, alias: string): string

  /** The position of an element produced by `jsonElements`, for "first value" ordering. */
  abstract elementOrdinal(alias: string): string

  /** An element produced by `jsonElements` as JSON, to reach its sub-attributes with `jsonValue`. */
  abstract elementJson(alias: string): string

  /** An element of an array of scalars, as an SQL value of the attribute's type. */
  abstract elementValue(alias: string, type: AttributeType): string

  /** `pr` for an element of an array of scalars. Never NULL. */
  abstract elementPresent(alias: string): string

  /**
   * `co`/`sw`/`ew`: whether `expr` contains, starts or ends with `value`, case-exactly (callers
   * fold both sides for case-insensitive attributes). `LIKE`, with `%`, `_` and the escape
   * character escaped, where it is case-sensitive; otherwise the dialect's `caseExactMatch`.
   */
  matches(expr: string, op: PatternOperator, value: string, params: unknown[]): string {
    if (!this.capabilities.caseSensitiveLike) return this.caseExactMatch(expr, op, value, params)
    const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`)
    const pattern = op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`
    return `${expr} LIKE ${this.param(params, pattern)} ESCAPE '\\'`
  }

  /**
   * `expr` is one of `values` (text), with the whole list bound as one parameter: the SQL text
   * (and its prepared statement) does not depend on how many values there are.
   */
  abstract inList(expr: string, values: readonly string[], params: unknown[]): string

  /**
   * The clause that locks the rows a SELECT in a write transaction reads, until it ends:
   * `update` for a read-modify-write of the row, `share` to keep it from being deleted, `read`
   * to keep it from being changed (it waits for, and then sees, a concurrent `update`).
   * '' where one writer holds the whole database for the transaction (SQLite).
   */
  abstract lockRows(mode: 'update' | 'share' | 'read'): string

  /** An index hint after a table alias, where the planner needs one to pick the right index. */
  indexedBy(_index: string): string {
    return ''
  }

  /** A LIMIT value, as a literal or a parameter (whichever the database plans better). */
  limit(count: number, params: unknown[]): string {
    return this.param(params, count)
  }

  /**
   * A FROM item yielding `rows` (arrays of values, in `columns` order) as a table named
   * `alias` with those columns plus `n`, each row's 1-based position; the rows travel as
   * parameters whose number does not depend on how many rows there are.
   */
  abstract rowsFrom(
    rows: readonly (readonly unknown[])[],
    columns: readonly { readonly name: string; readonly type: ColumnType }[],
    alias: string,
    params: unknown[],
  ): string

  /** Insertion order for a filtered list (a dialect may keep its planner off the seq index). */
  filteredInsertionOrder(seq: string): string {
    return seq
  }

  /**
   * With `capabilities.groupsInPage`: a select-list item, named `groups`, holding the direct
   * groups of the user row `r` as a JSON array of `[group id, displayName]` in joining order.
   */
  groupsColumn(): string {
    throw new TypeError(`${this.name}: lists read groups with a second statement`)
  }

  /**
   * Inserts `rows` (all of `type`) into `resources` with `ON CONFLICT DO NOTHING`, adds the rows
   * inserted to `resource_counts.total`, and returns the ids inserted. Seq order must be
   * visibility order (page-positions.ts): where writers run concurrently the dialect makes
   * inserts of one (tenant, type) commit one at a time.
   */
  abstract insertResources(tenantId: string, type: ResourceTypeId, rows: readonly StorableResource[]): Work<Set<string>>

  /** Whether `error` is the database refusing a row because `key` already holds its value. */
  abstract isUniqueViolation(error: unknown, key: UniqueKey): boolean

  /** `matches` for a dialect whose `LIKE` ignores case. */
  protected caseExactMatch(_expr: string, _op: PatternOperator, _value: string, _params: unknown[]): string {
    throw new TypeError(`${this.name}: LIKE ignores case and no case-exact match is defined`)
  }
}
