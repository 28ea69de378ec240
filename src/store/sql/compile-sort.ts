/**
 * RFC 7644 §3.4.2.3 `sortBy`/`sortOrder` → an ORDER BY list over the resources table (alias `r`).
 *
 * - Case-insensitive attributes sort by their folded value, like they compare.
 * - A multi-valued attribute sorts by its primary value, or else its first.
 * - "If there is no data for the specified sortBy value, they are ordered last if ascending and
 *   first if descending."
 * - Ties keep insertion order (`r.seq`), so pages do not overlap or skip.
 */
import { invalidValue, isScimError } from '../../scim/errors.js'
import type { AttrPath } from '../../scim/filter/ast.js'
import { formatAttrPath } from '../../scim/path/attr-path.js'
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import { AttributeMapper, comparable, RESOURCE_ALIAS, type Scalar, type Target } from './compile-filter.js'
import type { SqlDialect } from './dialect.js'

export type SortOrder = 'ascending' | 'descending'

/** The default order: insertion order, which the `(tenant_id, resource_type, seq)` index yields. */
export const INSERTION_ORDER = `${RESOURCE_ALIAS}.seq`

/** The ORDER BY list (without the keywords) for `sortBy`; unknown attributes are 400 `invalidValue`. */
export function compileSort(
  sortBy: AttrPath | undefined,
  sortOrder: SortOrder | undefined,
  schema: ResourceSchema,
  dialect: SqlDialect,
): string {
  return orderBy(compileSortKey(sortBy, sortOrder, schema, dialect))
}

/**
 * The order as a key: `expr` (absent for insertion order), its direction, and whether it is
 * unique (no NULLs, no ties, so no `seq` tie-breaker). Keyset pagination (RFC 9865 cursors,
 * sequential `startIndex` walks) continues from a row with `keyset`.
 */
export interface SortKey {
  readonly expr?: string
  readonly descending: boolean
  readonly unique: boolean
}

export function compileSortKey(
  sortBy: AttrPath | undefined,
  sortOrder: SortOrder | undefined,
  schema: ResourceSchema,
  dialect: SqlDialect,
): SortKey {
  if (sortBy === undefined) return { descending: false, unique: true }
  const descending = sortOrder === 'descending'
  const target = sortTarget(sortBy, new AttributeMapper(schema, dialect))
  const value = (s: Scalar) => comparable(s, dialect)
  switch (target.kind) {
    case 'scalar':
      // A unique, required column orders every row by itself, so an index can serve the order.
      return { expr: value(target.scalar), descending, unique: target.scalar.unique === true }
    case 'collection':
      return {
        expr: target.collection.first((e) => value(e.field(target.attribute))),
        descending,
        unique: false,
      }
    case 'object':
      throw invalidValue(
        `sortBy: '${formatAttrPath(sortBy)}' is complex; sort by one of its sub-attributes, e.g. 'name.familyName'`,
      )
    default:
      return unreachable(target)
  }
}

/** ORDER BY for `key`, or (`reverse`) for the same rows last to first. */
export function orderBy(key: SortKey, reverse = false): string {
  const seq = `${INSERTION_ORDER}${reverse ? ' DESC' : ''}`
  if (key.expr === undefined) return seq
  const descending = key.descending !== reverse
  if (key.unique) return `${key.expr} ${descending ? 'DESC' : 'ASC'}`
  // Absent values last when ascending, first when descending (RFC 7644 §3.4.2.3); reversed
  // as a whole when reading backwards.
  return `${key.expr} ${descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}, ${seq}`
}

/** The SELECT items that give a row's place in the order: `sort_key`, `sort_seq`. */
export function keyColumns(key: SortKey): string {
  return `${key.expr ?? 'NULL'} AS sort_key, ${INSERTION_ORDER} AS sort_seq`
}

/**
 * The rows strictly after (`direction` 'next') or before ('previous') the row whose sort key
 * is `value` and seq is `seq`, in `key`'s order, as a WHERE condition.
 */
export function keyset(
  key: SortKey,
  direction: 'next' | 'previous',
  row: { readonly key: unknown; readonly seq: number },
  dialect: SqlDialect,
  params: unknown[],
): string {
  const after = direction === 'next'
  const seqCompare = () => `${INSERTION_ORDER} ${after ? '>' : '<'} ${dialect.param(params, row.seq)}`
  const e = key.expr
  if (e === undefined) return seqCompare()
  // Ascending and reading forwards both look for greater keys.
  const greater = key.descending !== after
  const op = greater ? '>' : '<'
  if (key.unique) return `${e} ${op} ${dialect.param(params, row.key)}`
  // NULLs sort after every value when the walk goes towards greater keys.
  const nullsAhead = greater
  if (row.key === null || row.key === undefined) {
    return nullsAhead ? `(${e} IS NULL AND ${seqCompare()})` : `(${e} IS NOT NULL OR ${seqCompare()})`
  }
  const v1 = dialect.param(params, row.key)
  const v2 = dialect.param(params, row.key)
  const past = `${e} ${op} ${v1} OR (${e} = ${v2} AND ${seqCompare()})`
  return nullsAhead ? `(${past} OR ${e} IS NULL)` : `(${past})`
}

/** The filter compiler's mapping, with its 400 `invalidFilter` turned into the sortBy error. */
function sortTarget(sortBy: AttrPath, mapper: AttributeMapper): Target {
  try {
    return mapper.target(sortBy)
  } catch (e) {
    if (isScimError(e) && e.scimType === 'invalidFilter') {
      throw invalidValue(
        `sortBy: '${formatAttrPath(sortBy)}' is not a sortable attribute of ${mapper.schema.type.name}`,
      )
    }
    throw e
  }
}

function unreachable(node: never): never {
  throw new TypeError(`unexpected ${JSON.stringify(node)}`)
}
