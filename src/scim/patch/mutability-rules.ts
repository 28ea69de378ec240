import { mutability } from '../errors.js'
import type { AttributeDefinition } from '../schema/attribute.js'
import { sameValue } from '../schema/immutable.js'
import { getMember, isJsonObject, isUnassigned } from './json-object.js'

/**
 * RFC 7643 §2.2 (`immutable`): the value may be set once, when there is none, but never
 * changed or removed afterwards. Writing the same value again (as `sameValue` compares, so
 * honouring `caseExact`) is not a change.
 */
export function assertImmutableKept(
  definition: AttributeDefinition,
  before: unknown,
  after: unknown,
  where: string,
  name: string,
): void {
  if (definition.mutability !== 'immutable' || isUnassigned(before)) return
  if (sameValue(definition, before, after)) return
  throw mutability(`${where}: attribute '${name}' is immutable and already has a value`)
}

/**
 * Removing a whole extension object removes each of its attributes, so each immutable one
 * (or immutable sub-attribute of a single complex one) that has a value forbids it.
 */
export function assertAttributesRemovable(
  attributes: readonly AttributeDefinition[],
  object: unknown,
  where: string,
): void {
  if (!isJsonObject(object)) return
  for (const attribute of attributes) {
    const value = getMember(object, attribute.name)
    assertImmutableKept(attribute, value, undefined, where, attribute.name)
    if (attribute.type !== 'complex' || attribute.multiValued || !isJsonObject(value)) continue
    for (const sub of attribute.subAttributes ?? []) {
      assertImmutableKept(sub, getMember(value, sub.name), undefined, where, `${attribute.name}.${sub.name}`)
    }
  }
}
