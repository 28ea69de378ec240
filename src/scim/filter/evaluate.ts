import { foldCase } from '../fold-case.js'
import type { AttributeDefinition } from '../schema/attribute.js'
import { subAttribute, type ResolvedAttribute, type ResourceSchema } from '../schema/resource-schema.js'
import type { CompareOperator, CompareValue, Filter } from './ast.js'
import {
  elementAttribute,
  parseDateTime,
  resolveFilterPath,
  resolveTopAttribute,
} from './filter-attribute.js'

export { foldCase }

/**
 * Whether a resource document (canonical shape, `id`/`meta`/`groups`/`members` allowed)
 * matches the filter, with RFC 7644 §3.4.2.2 semantics. Paths the schema does not know match
 * nothing; `checkFilter` is what rejects them.
 */
export function evaluate(filter: Filter, resource: Record<string, unknown>, schema: ResourceSchema): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluate(filter.left, resource, schema) && evaluate(filter.right, resource, schema)
    case 'or':
      return evaluate(filter.left, resource, schema) || evaluate(filter.right, resource, schema)
    case 'not':
      return !evaluate(filter.filter, resource, schema)
    case 'present': {
      const resolved = resolveFilterPath(filter.path, schema)
      return resolved !== undefined && isPresent(resourceValue(resource, resolved, resolved.subAttribute))
    }
    case 'compare': {
      const resolved = resolveFilterPath(filter.path, schema)
      if (resolved === undefined) return matchValues(filter.op, [], filter.value, undefined)
      const target = comparedAttribute(resolved)
      const sub = target === resolved.attribute ? undefined : target
      const found = target === undefined ? [] : values(resourceValue(resource, resolved, sub))
      return matchValues(filter.op, found, filter.value, target)
    }
    case 'valuePath': {
      const top = filter.path.subAttr === undefined ? resolveTopAttribute(filter.path, schema) : undefined
      if (top === undefined) return false
      const items = resourceValue(resource, top, undefined)
      return values(items).some((item) => evaluateElement(filter.filter, item, top.attribute))
    }
    default:
      return unreachable(filter)
  }
}

/**
 * Whether one item of the multi-valued attribute `parent` matches a value filter (the inside of
 * `emails[...]`, or of a PATCH path, RFC 7644 §3.5.2). Inner paths name `parent`'s
 * sub-attributes; for a list of simple values `value` is the item itself.
 */
export function evaluateElement(filter: Filter, element: unknown, parent: AttributeDefinition): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluateElement(filter.left, element, parent) && evaluateElement(filter.right, element, parent)
    case 'or':
      return evaluateElement(filter.left, element, parent) || evaluateElement(filter.right, element, parent)
    case 'not':
      return !evaluateElement(filter.filter, element, parent)
    case 'present': {
      const attribute = elementAttribute(parent, filter.path)
      return attribute !== undefined && isPresent(elementValue(element, attribute, parent))
    }
    case 'compare': {
      const attribute = elementAttribute(parent, filter.path)
      const found = attribute === undefined ? [] : values(elementValue(element, attribute, parent))
      return matchValues(filter.op, found, filter.value, attribute)
    }
    case 'valuePath':
      // RFC 7644 §3.4.2.2: value filters do not nest; the parser never builds this.
      return false
    default:
      return unreachable(filter)
  }
}

/**
 * The attribute whose values a comparison reads: the named one, or for a complex attribute
 * named without a sub-attribute its `value` (RFC 7644 §3.4.2.2: `emails co "example.com"`).
 */
function comparedAttribute(resolved: ResolvedAttribute): AttributeDefinition | undefined {
  if (resolved.subAttribute) return resolved.subAttribute
  if (resolved.attribute.type !== 'complex') return resolved.attribute
  return subAttribute(resolved.attribute, 'value')
}

/** The raw value at the path: extension attributes live under their URN key (RFC 7643 §3.3). */
function resourceValue(
  resource: Record<string, unknown>,
  resolved: ResolvedAttribute,
  sub: AttributeDefinition | undefined,
): unknown {
  const container = resolved.extension === undefined ? resource : member(resource, resolved.extension)
  const top = member(container, resolved.attribute.name)
  if (sub === undefined) return top
  return Array.isArray(top) ? top.map((item) => member(item, sub.name)) : member(top, sub.name)
}

function elementValue(element: unknown, sub: AttributeDefinition, parent: AttributeDefinition): unknown {
  return parent.type === 'complex' ? member(element, sub.name) : element
}

/**
 * A property by its canonical name, or failing that by any case (documents from older code or
 * clients may not be canonical). Own properties only, so `constructor` and `__proto__` never
 * leak in.
 */
function member(container: unknown, name: string): unknown {
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return undefined
  if (Object.hasOwn(container, name)) return (container as Record<string, unknown>)[name]
  const key = foldCase(name)
  for (const k of Object.keys(container)) {
    if (foldCase(k) === key) return (container as Record<string, unknown>)[k]
  }
  return undefined
}

/** The values to test: a multi-valued attribute matches if any of its values does. */
function values(raw: unknown): unknown[] {
  const list = Array.isArray(raw) ? raw : [raw]
  return list.flat().filter((v) => v !== undefined && v !== null)
}

/** RFC 7644 §3.4.2.2 `pr`: "has a non-empty value, or if it contains a non-empty node". */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false
  if (Array.isArray(value)) return value.some(isPresent)
  if (typeof value === 'object') return Object.values(value).some(isPresent)
  return true
}

/**
 * One attribute expression over the values found. `ne` matches a missing attribute and, on a
 * multi-valued one, any value that differs. `eq null` means "no value", `ne null` "has one".
 */
function matchValues(
  op: CompareOperator,
  found: unknown[],
  value: CompareValue,
  attribute: AttributeDefinition | undefined,
): boolean {
  if (value === null) {
    const present = found.some(isPresent)
    return op === 'eq' ? !present : op === 'ne' ? present : false
  }
  if (op === 'ne') return found.length === 0 || found.some((v) => !test('eq', v, value, attribute))
  return found.some((v) => test(op, v, value, attribute))
}

function test(
  op: CompareOperator,
  actual: unknown,
  expected: string | number | boolean,
  attribute: AttributeDefinition | undefined,
): boolean {
  if (attribute === undefined) return false
  switch (attribute.type) {
    case 'boolean': {
      const a = toBoolean(actual)
      return op === 'eq' && a !== undefined && a === toBoolean(expected)
    }
    case 'integer':
    case 'decimal':
      return typeof actual === 'number' && typeof expected === 'number' && order(op, actual, expected)
    case 'dateTime': {
      const a = typeof actual === 'string' ? parseDateTime(actual) : undefined
      const b = typeof expected === 'string' ? parseDateTime(expected) : undefined
      return a !== undefined && b !== undefined && order(op, a, b)
    }
    case 'string':
    case 'reference':
    case 'binary': {
      if (typeof actual !== 'string' || typeof expected !== 'string') return false
      const a = attribute.caseExact ? actual : foldCase(actual)
      const b = attribute.caseExact ? expected : foldCase(expected)
      if (op === 'co') return a.includes(b)
      if (op === 'sw') return a.startsWith(b)
      if (op === 'ew') return a.endsWith(b)
      return order(op, a, b)
    }
    case 'complex':
      return false
    default:
      return unreachable(attribute.type)
  }
}

/** eq/ne/gt/ge/lt/le on values of one ordered type; co/sw/ew do not apply. */
function order<T extends number | string>(op: CompareOperator, a: T, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b
    case 'ne':
      return a !== b
    case 'gt':
      return a > b
    case 'ge':
      return a >= b
    case 'lt':
      return a < b
    case 'le':
      return a <= b
    default:
      return false
  }
}

/** Entra sends booleans as the strings "True"/"False" (docs/idp-compatibility.md, *String booleans*). */
function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v !== 'string') return undefined
  const folded = foldCase(v)
  return folded === 'true' ? true : folded === 'false' ? false : undefined
}

function unreachable(node: never): never {
  throw new TypeError(`unexpected ${JSON.stringify(node)}`)
}
