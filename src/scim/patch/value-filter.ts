import type { Filter } from '../filter/ast.js'
import { evaluateElement } from '../filter/evaluate.js'
import type { AttributeDefinition } from '../schema/attribute.js'
import { subAttribute } from '../schema/resource-schema.js'
import { deepEqual, type JsonObject } from './json-object.js'

/**
 * The positions of the elements of multi-valued `parent` that a value filter selects
 * (`emails[type eq "work"]`); without a filter, all of them.
 */
export const selectedIndexes = (
  filter: Filter | undefined,
  elements: readonly unknown[],
  parent: AttributeDefinition,
): Set<number> =>
  new Set(elements.flatMap((e, i) => (filter === undefined || evaluateElement(filter, e, parent) ? [i] : [])))

/**
 * The element a filter describes, when it is only `eq` terms joined by `and`:
 * `type eq "work" and primary eq true` → `{ type: 'work', primary: true }`. Entra writes
 * `emails[type eq "work"].value` to set an email that does not exist yet and expects it to be
 * created (docs/idp-compatibility.md), although RFC 7644 §3.5.2.3 would answer noTarget.
 * Any other filter cannot be turned into an element and gives undefined.
 */
export function elementFromFilter(filter: Filter, parent: AttributeDefinition): JsonObject | undefined {
  if (parent.type !== 'complex') return undefined
  const element: JsonObject = {}
  const collect = (node: Filter): boolean => {
    if (node.kind === 'and') return collect(node.left) && collect(node.right)
    if (node.kind !== 'compare' || node.op !== 'eq' || node.value === null) return false
    const sub = subAttribute(parent, node.path.name)
    if (!sub || node.path.subAttr !== undefined || node.path.uri !== undefined) return false
    if (Object.hasOwn(element, sub.name) && !deepEqual(element[sub.name], node.value)) return false
    element[sub.name] = node.value
    return true
  }
  return collect(filter) ? element : undefined
}
