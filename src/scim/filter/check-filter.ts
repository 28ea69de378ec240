import { invalidFilter } from '../errors.js'
import { formatAttrPath } from '../path/attr-path.js'
import type { AttributeDefinition, AttributeType } from '../schema/attribute.js'
import { subAttribute, type ResolvedAttribute, type ResourceSchema } from '../schema/resource-schema.js'
import type { AttrPath, CompareOperator, CompareValue, Filter } from './ast.js'
import { elementAttribute, parseDateTime, resolveTopAttribute } from './filter-attribute.js'
import { formatValue } from './format-filter.js'

const ORDERING: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le'])
const SUBSTRING: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew'])
const UNORDERED: ReadonlySet<AttributeType> = new Set(['boolean', 'binary'])
const NOT_TEXT: ReadonlySet<AttributeType> = new Set(['boolean', 'integer', 'decimal', 'dateTime'])

/**
 * The semantic check run before a filter is evaluated or compiled to SQL: every path names an
 * attribute of the resource type, and every comparison is one RFC 7644 §3.4.2.2 allows for the
 * attribute's type. Throws `invalidFilter` with the position of the expression at fault.
 */
export function checkFilter(filter: Filter, schema: ResourceSchema): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkFilter(filter.left, schema)
      checkFilter(filter.right, schema)
      return
    case 'not':
      checkFilter(filter.filter, schema)
      return
    case 'present':
      resolveChecked(filter.path, schema, filter.position)
      return
    case 'compare': {
      const resolved = resolveChecked(filter.path, schema, filter.position)
      const target = resolved.subAttribute ?? valueOf(resolved.attribute, filter.path, filter.position)
      checkComparison(filter.op, filter.value, target, formatAttrPath(filter.path), filter.position)
      return
    }
    case 'valuePath': {
      const { path, position } = filter
      const top = resolveChecked({ ...path, subAttr: undefined }, schema, position)
      const shown = formatAttrPath(path)
      if (path.subAttr !== undefined || top.attribute.type !== 'complex' || !top.attribute.multiValued) {
        fail(`'${shown}' is not a multi-valued complex attribute, so it cannot take a value filter`, position)
      }
      checkElement(filter.filter, top.attribute, shown, schema)
      return
    }
    default:
      return unreachable(filter)
  }
}

/**
 * Every attribute a filter names, as full paths: `emails[type eq "work"]` names `emails.type`.
 * In order of appearance, each once (compared case-insensitively).
 */
export function filterAttributes(filter: Filter): AttrPath[] {
  const seen = new Map<string, AttrPath>()
  const add = (path: AttrPath) => {
    const key = formatAttrPath(path).toLowerCase()
    if (!seen.has(key)) seen.set(key, path)
  }
  const walk = (f: Filter, outer: AttrPath | undefined): void => {
    switch (f.kind) {
      case 'and':
      case 'or':
        walk(f.left, outer)
        walk(f.right, outer)
        return
      case 'not':
        walk(f.filter, outer)
        return
      case 'present':
      case 'compare':
        add(outer === undefined ? f.path : Object.freeze({ ...outer, subAttr: f.path.name }))
        return
      case 'valuePath':
        walk(f.filter, f.path)
        return
      default:
        return unreachable(f)
    }
  }
  walk(filter, undefined)
  return [...seen.values()]
}

/** Inside `parent[...]`: paths are `parent`'s sub-attributes, and value filters do not nest. */
function checkElement(
  filter: Filter,
  parent: AttributeDefinition,
  parentName: string,
  schema: ResourceSchema,
): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkElement(filter.left, parent, parentName, schema)
      checkElement(filter.right, parent, parentName, schema)
      return
    case 'not':
      checkElement(filter.filter, parent, parentName, schema)
      return
    case 'present':
    case 'compare': {
      const attribute = elementAttribute(parent, filter.path)
      const shown = `${parentName}.${formatAttrPath(filter.path)}`
      if (attribute === undefined) {
        const name = formatAttrPath(filter.path)
        fail(`unknown sub-attribute '${name}' of '${parentName}' for resource type '${schema.type.id}'`, filter.position)
      }
      if (attribute.returned === 'never') fail(`'${shown}' cannot be used in a filter`, filter.position)
      if (filter.kind === 'compare') {
        checkComparison(filter.op, filter.value, attribute, shown, filter.position)
      }
      return
    }
    case 'valuePath':
      return fail('nested value paths are not allowed', filter.position)
    default:
      return unreachable(filter)
  }
}

/**
 * Resolves a path, rejecting unknown names and attributes that are never returned: a filter
 * must not become an oracle for secrets such as `password` (RFC 7643 §7 `returned: never`).
 */
function resolveChecked(path: AttrPath, schema: ResourceSchema, position: number): ResolvedAttribute {
  const top = resolveTopAttribute(path, schema)
  const type = schema.type.id
  if (top === undefined) {
    fail(`unknown attribute '${formatAttrPath({ ...path, subAttr: undefined })}' for resource type '${type}'`, position)
  }
  if (top.attribute.returned === 'never') fail(`'${top.attribute.name}' cannot be used in a filter`, position)
  if (path.subAttr === undefined) return top
  if (top.attribute.type !== 'complex') {
    fail(`'${top.attribute.name}' is not complex and has no sub-attribute '${path.subAttr}'`, position)
  }
  const sub = subAttribute(top.attribute, path.subAttr)
  if (sub === undefined) {
    const parent = top.attribute.name
    fail(`unknown sub-attribute '${path.subAttr}' of '${parent}' for resource type '${type}'`, position)
  }
  if (sub.returned === 'never') fail(`'${formatAttrPath(path)}' cannot be used in a filter`, position)
  return { ...top, subAttribute: sub }
}

/** RFC 7644 §3.4.2.2: a complex attribute named alone is compared through its `value`. */
function valueOf(attribute: AttributeDefinition, path: AttrPath, position: number): AttributeDefinition {
  if (attribute.type !== 'complex') return attribute
  const value = subAttribute(attribute, 'value')
  if (value === undefined) {
    const name = formatAttrPath(path)
    fail(`'${name}' is complex and has no 'value' sub-attribute; compare one of its sub-attributes`, position)
  }
  return value
}

function checkComparison(
  op: CompareOperator,
  value: CompareValue,
  attribute: AttributeDefinition,
  shown: string,
  position: number,
): void {
  const { type } = attribute
  if (ORDERING.has(op) && UNORDERED.has(type)) {
    fail(`'${op}' cannot be used on the ${type} attribute '${shown}'`, position)
  }
  if (SUBSTRING.has(op) && NOT_TEXT.has(type)) {
    fail(`'${op}' cannot be used on the ${type} attribute '${shown}'`, position)
  }
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') fail(`'${op}' cannot compare with null`, position)
    return
  }
  if (!fits(value, type)) fail(`${formatValue(value)} is not a valid ${type} value for '${shown}'`, position)
}

/** Whether a compValue's JSON type fits the attribute type (RFC 7643 §2.3). */
function fits(value: string | number | boolean, type: AttributeType): boolean {
  switch (type) {
    case 'string':
    case 'reference':
    case 'binary':
      return typeof value === 'string'
    case 'boolean':
      // Entra compares booleans with the strings "True"/"False" (docs/idp-compatibility.md).
      return typeof value === 'boolean' || (typeof value === 'string' && /^(?:true|false)$/i.test(value))
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'decimal':
      return typeof value === 'number'
    case 'dateTime':
      return typeof value === 'string' && parseDateTime(value) !== undefined
    case 'complex':
      return false
    default:
      return unreachable(type)
  }
}

function fail(message: string, position: number): never {
  throw invalidFilter(`filter: ${message} at position ${position}`)
}

function unreachable(node: never): never {
  throw new TypeError(`unexpected ${JSON.stringify(node)}`)
}
