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
  if (sortBy === undefined) return INSERTION_ORDER
  const descending = sortOrder === 'descending'
  const target = sortTarget(sortBy, new AttributeMapper(schema, dialect))
  const value = (s: Scalar) => comparable(s, dialect)
  switch (target.kind) {
    case 'scalar':
      // A unique, required column orders every row by itself, so an index can serve the order.
      if (target.scalar.unique) return `${value(target.scalar)} ${descending ? 'DESC' : 'ASC'}`
      return `${value(target.scalar)} ${descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}, ${INSERTION_ORDER}`
    case 'collection': {
      const first = target.collection.first((e) => value(e.field(target.attribute)))
      return `${first} ${descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}, ${INSERTION_ORDER}`
    }
    case 'object':
      throw invalidValue(
        `sortBy: '${formatAttrPath(sortBy)}' is complex; sort by one of its sub-attributes, e.g. 'name.familyName'`,
      )
    default:
      return unreachable(target)
  }
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
