import { attribute, type AttributeDefinition } from '../schema/attribute.js'
import { subAttribute, type ResolvedAttribute, type ResourceSchema } from '../schema/resource-schema.js'
import type { AttrPath } from './ast.js'

/**
 * RFC 7643 §3: `schemas` is on every resource but in no schema's attribute list. Filters may
 * name it (RFC 7644 §3.4.2.2 shows `schemas eq "urn:...:enterprise:2.0:User"`).
 */
export const SCHEMAS_ATTRIBUTE: AttributeDefinition = attribute(
  'schemas',
  'string',
  'The schema URNs the resource is made of.',
  { multiValued: true, mutability: 'readOnly', returned: 'always' },
)

/** The top-level attribute a filter path names (its `subAttr` is ignored), or undefined. */
export function resolveTopAttribute(path: AttrPath, schema: ResourceSchema): ResolvedAttribute | undefined {
  const found = schema.attribute(path.name, path.uri)
  if (found !== undefined) return found
  const core = path.uri === undefined || path.uri.toLowerCase() === schema.coreSchema.id.toLowerCase()
  return core && path.name.toLowerCase() === 'schemas'
    ? { schemaId: schema.coreSchema.id, attribute: SCHEMAS_ATTRIBUTE, common: true }
    : undefined
}

/** `[uri:]name[.subAttr]` against a resource type, `schemas` included; undefined when unknown. */
export function resolveFilterPath(path: AttrPath, schema: ResourceSchema): ResolvedAttribute | undefined {
  const top = resolveTopAttribute(path, schema)
  if (top === undefined || path.subAttr === undefined) return top
  const sub = subAttribute(top.attribute, path.subAttr)
  return sub && { ...top, subAttribute: sub }
}

/**
 * The attribute an inner path of a value filter names: a sub-attribute of `parent`, or, for a
 * multi-valued attribute of simple type, `value` meaning the item itself (RFC 7644 §3.5.2.2
 * example `members[value eq "..."]` works the same way on simple lists).
 */
export function elementAttribute(
  parent: AttributeDefinition,
  path: AttrPath,
): AttributeDefinition | undefined {
  if (path.uri !== undefined || path.subAttr !== undefined) return undefined
  if (parent.type !== 'complex') {
    return path.name.toLowerCase() === 'value' ? { ...parent, multiValued: false } : undefined
  }
  return subAttribute(parent, path.name)
}

/** xsd:dateTime as RFC 7643 §2.3.5 requires it; a missing zone means UTC. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The instant (milliseconds since the epoch) of an xsd:dateTime, or undefined if it is not one. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ]
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0)
  if (month < 1 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const zone = m[8] ?? 'Z'
  let offset = 0
  if (zone !== 'Z') {
    const zoneHours = Number(zone.slice(1, 3))
    const zoneMinutes = Number(zone.slice(4, 6))
    if (zoneHours > 14 || zoneMinutes > 59) return undefined
    offset = (zone[0] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000
  }
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis))
  date.setUTCFullYear(year)
  return date.getTime() - offset
}
