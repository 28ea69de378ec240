import type { AttributeDefinition } from '../schema/attribute.js'
import { subAttribute } from '../schema/resource-schema.js'
import { deleteMember, getMember, setMember, type JsonObject } from './json-object.js'
import { assertImmutableKept } from './mutability-rules.js'

/**
 * RFC 7644 §3.5.2.1 and §3.5.2.3: a complex value given to add or replace sets the
 * sub-attributes it names and keeps the others. A sub-attribute given as null is removed
 * (RFC 7643 §2.5). Returns a new object.
 */
export function mergeComplex(
  before: JsonObject,
  patch: JsonObject,
  attribute: AttributeDefinition,
  where: string,
): JsonObject {
  const merged: JsonObject = { ...before }
  for (const [key, value] of Object.entries(patch)) {
    const sub = subAttribute(attribute, key)
    const name = sub?.name ?? key
    if (sub) {
      const label = `${attribute.name}.${sub.name}`
      assertImmutableKept(sub, getMember(merged, name), value ?? undefined, where, label)
    }
    if (value === null || value === undefined) deleteMember(merged, name)
    else setMember(merged, name, value)
  }
  return merged
}
