import type { AttributeDefinition } from '../schema/attribute.js'
import { subAttribute } from '../schema/resource-schema.js'
import { asArray, deepEqual, deleteMember, getMember, isJsonObject } from './json-object.js'
import { assertImmutableKept } from './mutability-rules.js'
import { containerOf, type PatchContext } from './patch-context.js'
import type { AttributeTarget } from './patch-target.js'
import { selectedIndexes } from './value-filter.js'
import { writeAttribute } from './write-attribute.js'

/**
 * RFC 7644 §3.5.2.2. Removing what is not there is not an error. A multi-valued attribute
 * named without a filter loses all its values, unless the operation carries a `value` list:
 * then only the elements listed go (`{"op":"remove","path":"members","value":[{"value":"u1"}]}`,
 * Entra's way of removing one member, docs/idp-compatibility.md — the RFC reading, removing
 * all, would empty the group).
 */
export function removeAttribute(ctx: PatchContext, target: AttributeTarget, value: unknown, where: string) {
  const { resolved, valueFilter, subAttribute: sub } = target
  const { attribute } = resolved
  const container = containerOf(ctx, resolved, false)
  const current = getMember(container, attribute.name)
  if (container === undefined || current === undefined || current === null) return

  if (valueFilter === undefined && sub === undefined) {
    const listed = attribute.multiValued && value !== undefined && value !== null
    const items = asArray(value)
    const listedOut = (e: unknown) => items.some((item) => selects(item, e, attribute))
    writeAttribute(container, attribute, listed ? asArray(current).filter((e) => !listedOut(e)) : undefined)
    return
  }
  if (!attribute.multiValued) {
    if (!isJsonObject(current) || sub === undefined) return
    const object = { ...current }
    assertImmutableKept(sub, getMember(object, sub.name), undefined, where, `${attribute.name}.${sub.name}`)
    deleteMember(object, sub.name)
    writeAttribute(container, attribute, object)
    return
  }
  const elements = asArray(current)
  const selected = selectedIndexes(valueFilter, elements, attribute)
  if (sub === undefined) {
    writeAttribute(container, attribute, elements.filter((_, i) => !selected.has(i)))
    return
  }
  for (const [i, element] of elements.entries()) {
    if (!selected.has(i) || !isJsonObject(element)) continue
    assertImmutableKept(sub, getMember(element, sub.name), undefined, where, `${attribute.name}.${sub.name}`)
    deleteMember(element, sub.name)
  }
  writeAttribute(container, attribute, elements)
}

/**
 * Whether an item of a remove's `value` list names `element`: by `value` when the item has one
 * (or is a bare value), otherwise by every sub-attribute the item gives.
 */
function selects(item: unknown, element: unknown, attribute: AttributeDefinition): boolean {
  if (attribute.type !== 'complex') return sameValue(attribute, item, element)
  if (!isJsonObject(element)) return false
  const valueDefinition = subAttribute(attribute, 'value')
  if (!isJsonObject(item)) return sameValue(valueDefinition, item, getMember(element, 'value'))
  const given = getMember(item, 'value')
  if (given !== undefined && given !== null) {
    return sameValue(valueDefinition, given, getMember(element, 'value'))
  }
  const terms = Object.entries(item).filter(([, v]) => v !== undefined && v !== null)
  return (
    terms.length > 0 &&
    terms.every(([key, v]) => {
      const sub = subAttribute(attribute, key)
      return sub !== undefined && sameValue(sub, v, getMember(element, sub.name))
    })
  )
}

/** RFC 7643 §2.2 `caseExact`, and Entra's `"True"`/`"False"` for booleans (docs/idp-compatibility.md). */
function sameValue(definition: AttributeDefinition | undefined, given: unknown, stored: unknown): boolean {
  if (typeof given === 'string' && typeof stored === 'string' && definition?.caseExact !== true) {
    return given.toLowerCase() === stored.toLowerCase()
  }
  if (typeof given === 'string' && typeof stored === 'boolean') return given.toLowerCase() === String(stored)
  return deepEqual(given, stored)
}
