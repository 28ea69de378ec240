import { mutability } from '../errors.js'
import type { AttributeDefinition } from './attribute.js'
import { commonAttributes } from './definitions/common.js'
import type { ResourceSchema } from './resource-schema.js'

const hasValue = (v: unknown) =>
  v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)

/**
 * RFC 7644 §3.5.1: on PUT, "immutable: If one or more values are already set for the attribute,
 * the input value(s) MUST match, or HTTP status code 400 SHOULD be returned with a scimType of
 * mutability. If the service provider has no existing values, the new value(s) MAY be set."
 * Both documents are canonical (see `coerceResource`). Sub-attributes of multi-valued attributes
 * are not checked: values of a list have no identity to compare across two versions.
 */
export function checkImmutable(
  schema: ResourceSchema,
  existing: Record<string, unknown>,
  replacement: Record<string, unknown>,
): void {
  checkAttributes([...commonAttributes, ...schema.coreSchema.attributes], existing, replacement, '')
  for (const { schema: extension } of schema.extensions) {
    checkAttributes(
      extension.attributes,
      asRecord(existing[extension.id]),
      asRecord(replacement[extension.id]),
      `${extension.id}:`,
    )
  }
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

function checkAttributes(
  attributes: readonly AttributeDefinition[],
  existing: Record<string, unknown>,
  replacement: Record<string, unknown>,
  prefix: string,
) {
  for (const attribute of attributes) {
    const before = existing[attribute.name]
    if (!hasValue(before)) continue
    const after = replacement[attribute.name]
    if (attribute.mutability === 'immutable') {
      if (!sameValue(attribute, before, after)) throw changed(`${prefix}${attribute.name}`)
    } else if (attribute.type === 'complex' && !attribute.multiValued) {
      const subsBefore = asRecord(before)
      const subsAfter = asRecord(after)
      for (const sub of attribute.subAttributes ?? []) {
        if (sub.mutability !== 'immutable' || !hasValue(subsBefore[sub.name])) continue
        if (!sameValue(sub, subsBefore[sub.name], subsAfter[sub.name])) {
          throw changed(`${prefix}${attribute.name}.${sub.name}`)
        }
      }
    }
  }
}

const changed = (name: string) =>
  mutability(
    `${name}: the attribute is immutable and already has a value; a replacement must keep it unchanged`,
  )

/** Equality as SCIM sees it: caseExact decides for strings (RFC 7643 §2.2), lists are unordered. */
export function sameValue(attribute: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (!hasValue(a) || !hasValue(b)) return !hasValue(a) && !hasValue(b)
  if (attribute.multiValued) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    const single = { ...attribute, multiValued: false }
    const unused = [...b]
    return a.every((item) => {
      const i = unused.findIndex((other) => sameValue(single, item, other))
      return i !== -1 && unused.splice(i, 1).length === 1
    })
  }
  switch (attribute.type) {
    case 'complex': {
      const x = asRecord(a)
      const y = asRecord(b)
      return (attribute.subAttributes ?? []).every((sub) => sameValue(sub, x[sub.name], y[sub.name]))
    }
    case 'string':
    case 'reference':
      return (
        typeof a === 'string' &&
        typeof b === 'string' &&
        (attribute.caseExact ? a === b : a.toLowerCase() === b.toLowerCase())
      )
    case 'dateTime':
      return (
        a === b ||
        (typeof a === 'string' &&
          typeof b === 'string' &&
          Date.parse(a) === Date.parse(b) &&
          !Number.isNaN(Date.parse(a)))
      )
    default:
      return a === b
  }
}
