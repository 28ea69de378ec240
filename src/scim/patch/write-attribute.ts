import type { AttributeDefinition } from '../schema/attribute.js'
import { deleteMember, isJsonObject, isUnassigned, setMember, type JsonObject } from './json-object.js'

const isEmptyObject = (value: unknown) => isJsonObject(value) && Object.keys(value).length === 0

/**
 * Stores an attribute's new value in its container. RFC 7643 §2.5: an empty array, an empty
 * complex value or null is the unassigned state, so the attribute is left out instead; elements
 * emptied by a remove are dropped for the same reason.
 */
export function writeAttribute(container: JsonObject, attribute: AttributeDefinition, value: unknown): void {
  const kept = Array.isArray(value) ? value.filter((element) => !isEmptyObject(element)) : value
  if (isUnassigned(kept) || isEmptyObject(kept)) deleteMember(container, attribute.name)
  else setMember(container, attribute.name, kept)
}
