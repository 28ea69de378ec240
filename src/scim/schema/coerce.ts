import { invalidSyntax, invalidValue } from '../errors.js'
import { assertSafeObject, isPlainObject } from '../json/safe-object.js'
import { unstorableText } from '../json/unicode-text.js'
import { SCHEMA_URNS, type AttributeDefinition } from './attribute.js'
import { commonAttributes } from './definitions/common.js'
import { subAttribute, type ResolvedAttribute, type ResourceSchema } from './resource-schema.js'

/** Bounds on what one resource may hold, so a single request cannot exhaust the server. */
export const RESOURCE_LIMITS = Object.freeze({ maxStringLength: 65_536, maxValues: 100_000, maxDepth: 8 })

/**
 * What the server keeps to itself beyond the schema's characteristics. Group `members`: the
 * server derives `$ref` and `display` from the member it finds (RFC 7643 §4.2), needs `value`
 * to find it, and `type` drives which table it looks in.
 */
interface ComplexPolicy {
  readonly derived: ReadonlySet<string>
  readonly required: ReadonlySet<string>
  readonly types?: ReadonlyMap<string, string>
}

const GROUP_MEMBERS: ComplexPolicy = {
  derived: new Set(['$ref', 'display']),
  required: new Set(['value']),
  types: new Map([
    ['user', 'User'],
    ['group', 'Group'],
  ]),
}

function policyFor(schema: ResourceSchema, resolved: ResolvedAttribute): ComplexPolicy | undefined {
  const { attribute, extension } = resolved
  return schema.coreSchema.id === SCHEMA_URNS.group && extension === undefined && attribute.name === 'members'
    ? GROUP_MEMBERS
    : undefined
}

/** Where a value is missing for `required` (RFC 7643 §2.2): absent, null, `[]` or `""`. */
const isMissing = (value: unknown) => value === undefined || value === ''

/**
 * Coerces one attribute's value (or one sub-attribute's, when `resolved` names one) with the
 * rules of `coerceResource`. Returns undefined for "no value" (null, `[]`, empty complex values).
 * The PATCH engine uses this for `value`s aimed at a path.
 */
export function coerceAttributeValue(
  schema: ResourceSchema,
  resolved: ResolvedAttribute,
  value: unknown,
  path: string,
): unknown {
  assertSafeObject(value, path, { maxDepth: RESOURCE_LIMITS.maxDepth })
  const policy = policyFor(schema, resolved)
  if (resolved.subAttribute === undefined) return coerceAttribute(resolved.attribute, value, path, policy)
  const coerced = coerceAttribute(resolved.subAttribute, value, path, undefined)
  return policy ? applySubPolicy(policy, resolved.subAttribute, coerced, path) : coerced
}

/** A value, then whether single or multi-valued (RFC 7643 §2.4: a lone value is lifted to a list). */
function coerceAttribute(
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
  policy: ComplexPolicy | undefined,
): unknown {
  if (value === null || value === undefined) return undefined
  if (!attribute.multiValued) {
    if (Array.isArray(value)) throw invalidValue(`${path}: expected a single value, got an array`)
    return coerceSingle(attribute, value, path, policy)
  }
  const items: unknown[] = Array.isArray(value) ? value : [value]
  if (items.length > RESOURCE_LIMITS.maxValues) {
    throw invalidValue(`${path}: more than ${RESOURCE_LIMITS.maxValues} values`)
  }
  const out: unknown[] = []
  let primaries = 0
  for (let i = 0; i < items.length; i++) {
    const item = coerceSingle(attribute, items[i], `${path}[${i}]`, policy)
    if (item === undefined) continue
    if ((item as { primary?: unknown }).primary === true) primaries++
    out.push(item)
  }
  // RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once."
  if (primaries > 1) throw invalidValue(`${path}: only one value may be primary`)
  return out.length === 0 ? undefined : out
}

function coerceSingle(
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
  policy: ComplexPolicy | undefined,
): unknown {
  if (value === null || value === undefined) return undefined
  switch (attribute.type) {
    case 'string':
    case 'reference':
      return expectString(value, path, 'a string')
    case 'boolean':
      if (typeof value === 'boolean') return value
      // Entra ID sends `"False"` and `"True"` (docs/idp-compatibility.md, *String booleans*).
      if (typeof value === 'string') {
        const folded = value.toLowerCase()
        if (folded === 'true') return true
        if (folded === 'false') return false
      }
      throw invalidValue(`${path}: expected a boolean, got ${describeValue(value)}`)
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value
      throw invalidValue(`${path}: expected an integer, got ${describeValue(value)}`)
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value
      throw invalidValue(`${path}: expected a decimal number, got ${describeValue(value)}`)
    case 'dateTime': {
      const text = expectString(value, path, 'an xsd:dateTime string')
      if (!isXsdDateTime(text)) {
        throw invalidValue(
          `${path}: expected an xsd:dateTime such as 2008-01-23T04:56:22Z, got ${describeValue(text)}`,
        )
      }
      return text
    }
    case 'binary': {
      const text = expectString(value, path, 'a base64 string')
      if (!isBase64(text))
        throw invalidValue(`${path}: expected base64 (RFC 4648 §4), got a string that is not`)
      return text
    }
    case 'complex':
      return coerceComplex(attribute, complexEntries(attribute, value, path), path, policy)
  }
}

function expectString(value: unknown, path: string, expected: string): string {
  if (typeof value !== 'string')
    throw invalidValue(`${path}: expected ${expected}, got ${describeValue(value)}`)
  if (value.length > RESOURCE_LIMITS.maxStringLength) {
    throw invalidValue(`${path}: longer than ${RESOURCE_LIMITS.maxStringLength} characters`)
  }
  const found = unstorableText(value)
  if (found !== undefined) throw invalidValue(`${path}: contains ${found}, which cannot be stored`)
  return value
}

/**
 * Keys are checked as values are, though unknown ones are dropped: a document is refused for
 * what it holds, the same way on every store, whatever the schema happens to know.
 */
function checkKey(key: string, where: string): void {
  const found = unstorableText(key)
  if (found !== undefined) {
    const at = where ? `${where}: ` : ''
    throw invalidValue(`${at}the key ${JSON.stringify(key)} contains ${found}, which cannot be stored`)
  }
}

/**
 * The members of a complex value. A bare primitive stands for `{ value }` when the attribute has
 * a `value` sub-attribute: Entra ID sends `manager: "id123"` and `members: ["id"]`.
 */
function complexEntries(
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
): Array<[string, unknown]> {
  if (isPlainObject(value)) return Object.entries(value)
  if (value === null || value === undefined) return []
  if (typeof value !== 'object' && subAttribute(attribute, 'value')) return [['value', value]]
  throw invalidValue(`${path}: expected an object, got ${describeValue(value)}`)
}

const subAttributeIndexes = new WeakMap<AttributeDefinition, Map<string, AttributeDefinition>>()

/** Sub-attributes by canonical and by lower-cased name; built once per definition. */
function subAttributeIndex(attribute: AttributeDefinition): Map<string, AttributeDefinition> {
  let index = subAttributeIndexes.get(attribute)
  if (!index) {
    index = new Map()
    for (const sub of attribute.subAttributes ?? []) index.set(sub.name, sub).set(sub.name.toLowerCase(), sub)
    subAttributeIndexes.set(attribute, index)
  }
  return index
}

/**
 * Sub-attributes by canonical name. Unknown ones are dropped; readOnly ones are dropped after
 * counting towards "the value is not empty" (RFC 7643 §2.2: their values SHALL be ignored).
 */
function coerceComplex(
  attribute: AttributeDefinition,
  entries: Iterable<readonly [string, unknown]>,
  path: string,
  policy: ComplexPolicy | undefined,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  const given = new Map<string, string>()
  const index = subAttributeIndex(attribute)
  for (const [key, value] of entries) {
    checkKey(key, path)
    const sub = index.get(key) ?? index.get(key.toLowerCase())
    if (!sub || value === null || value === undefined) continue
    const earlier = given.get(sub.name)
    if (earlier !== undefined) throw givenTwice(`${path}.${sub.name}`, earlier, key)
    given.set(sub.name, key)
    if (sub.mutability === 'readOnly' || policy?.derived.has(sub.name)) continue
    const coerced = coerceAttribute(sub, value, `${path}.${sub.name}`, undefined)
    if (coerced !== undefined)
      out[sub.name] = policy ? applySubPolicy(policy, sub, coerced, `${path}.${sub.name}`) : coerced
  }
  if (given.size === 0) return undefined
  for (const sub of attribute.subAttributes ?? []) {
    const required = sub.required || policy?.required.has(sub.name) === true
    if (required && sub.mutability !== 'readOnly' && isMissing(out[sub.name])) {
      throw invalidValue(`${path}.${sub.name} is required`)
    }
  }
  return Object.keys(out).length === 0 ? undefined : out
}

const givenTwice = (path: string, first: string, second: string) =>
  invalidValue(`${path}: given more than once${first === second ? '' : ` ('${first}' and '${second}')`}`)

function applySubPolicy(
  policy: ComplexPolicy,
  sub: AttributeDefinition,
  value: unknown,
  path: string,
): unknown {
  if (sub.name !== 'type' || !policy.types || typeof value !== 'string') return value
  const canonical = policy.types.get(value.toLowerCase())
  if (canonical === undefined) {
    throw invalidValue(
      `${path}: expected one of ${[...policy.types.values()].map((t) => `'${t}'`).join(', ')}, got '${value}'`,
    )
  }
  return canonical
}

/** One attribute of the input, gathered from its whole value and from dotted keys. */
interface Slot {
  readonly resolved: ResolvedAttribute
  readonly label: string
  whole?: { readonly key: string; readonly value: unknown }
  readonly parts: Array<readonly [string, unknown]>
}

/**
 * Turns a client's resource (POST or PUT body) into the canonical document: canonical names,
 * extension attributes under their URN, values of the declared types, readOnly and unknown
 * attributes dropped, `schemas` recomputed (RFC 7643 §2, §3; RFC 7644 §3.3, §3.5.1).
 */
export function coerceResource(
  schema: ResourceSchema,
  input: unknown,
  options: { path?: string } = {},
): Record<string, unknown> {
  const prefix = options.path
  const at = (p: string) => (prefix ? `${prefix}.${p}` : p)
  if (!isPlainObject(input)) {
    throw invalidSyntax(`${prefix ?? 'resource'}: expected a JSON object, got ${describeValue(input)}`)
  }
  assertSafeObject(input, prefix ?? '', { maxDepth: RESOURCE_LIMITS.maxDepth })

  const slots = new Map<AttributeDefinition, Slot>()
  let schemas: unknown
  const place = (key: string, value: unknown, scope: string | undefined) => {
    const found = locate(schema, slots, key, scope, at)
    if (!found || value === null || value === undefined) return
    const { slot, subKey } = found
    if (subKey !== undefined) {
      slot.parts.push([subKey, value])
    } else if (slot.whole) {
      throw givenTwice(slot.label, slot.whole.key, key)
    } else {
      slot.whole = { key, value }
    }
  }
  for (const [key, value] of Object.entries(input)) {
    checkKey(key, prefix ?? '')
    if (key.toLowerCase() === 'schemas') {
      schemas = value
      continue
    }
    const whole = schema.findSchema(key)
    if (!whole) {
      place(key, value, undefined)
      continue
    }
    // `"urn:…:enterprise:2.0:User": { … }` — the extension's attributes, in any case.
    if (value === null || value === undefined) continue
    if (!isPlainObject(value))
      throw invalidValue(`${at(whole.id)}: expected an object, got ${describeValue(value)}`)
    for (const [inner, v] of Object.entries(value)) {
      checkKey(inner, at(whole.id))
      place(inner, v, whole.id)
    }
  }
  checkSchemas(schema, schemas, at('schemas'))

  const schemaIds = [schema.coreSchema.id]
  const out: Record<string, unknown> = { schemas: schemaIds }
  fill(out, [...commonAttributes, ...schema.coreSchema.attributes], slots, schema)
  requireAttributes(schema.coreSchema.attributes, out, (a) => at(a.name))
  for (const { schema: extension, required } of schema.extensions) {
    const target: Record<string, unknown> = {}
    fill(target, extension.attributes, slots, schema)
    const present = Object.keys(target).length > 0
    if (!present && !required) continue
    if (!present && !extension.attributes.some((a) => a.required)) {
      throw invalidValue(`${at(extension.id)} is required`)
    }
    requireAttributes(extension.attributes, target, (a) => at(`${extension.id}:${a.name}`))
    out[extension.id] = target
    schemaIds.push(extension.id)
  }
  return out
}

/** The slot for an input key: `userName`, `name.givenName`, `urn:…:User:employeeNumber`. */
function locate(
  schema: ResourceSchema,
  slots: Map<AttributeDefinition, Slot>,
  key: string,
  scope: string | undefined,
  at: (p: string) => string,
): { slot: Slot; subKey?: string } | undefined {
  let urn = scope
  let rest = key
  if (scope === undefined && /^urn:/i.test(key)) {
    const colon = key.lastIndexOf(':')
    urn = key.slice(0, colon)
    rest = key.slice(colon + 1)
    if (!schema.findSchema(urn)) return undefined
  }
  const dot = rest.indexOf('.')
  const name = dot === -1 ? rest : rest.slice(0, dot)
  const resolved = schema.attribute(name, urn)
  // RFC 7643 §2.2: readOnly values "SHALL be ignored"; unknown attributes are IdP extras.
  if (!resolved || resolved.attribute.mutability === 'readOnly') return undefined
  const { attribute } = resolved
  const label = at(resolved.extension ? `${resolved.extension}:${attribute.name}` : attribute.name)
  if (dot !== -1) {
    const sub = attribute.type === 'complex' ? subAttribute(attribute, rest.slice(dot + 1)) : undefined
    if (!sub) return undefined
    if (attribute.multiValued) {
      throw invalidValue(
        `${label}.${sub.name}: a dotted name cannot address a multi-valued attribute; send '${attribute.name}' as a list`,
      )
    }
  }
  let slot = slots.get(attribute)
  if (!slot) {
    slot = { resolved, label, parts: [] }
    slots.set(attribute, slot)
  }
  return dot === -1 ? { slot } : { slot, subKey: rest.slice(dot + 1) }
}

function fill(
  target: Record<string, unknown>,
  attributes: readonly AttributeDefinition[],
  slots: Map<AttributeDefinition, Slot>,
  schema: ResourceSchema,
) {
  for (const attribute of attributes) {
    const slot = slots.get(attribute)
    if (!slot) continue
    const policy = policyFor(schema, slot.resolved)
    const value =
      slot.parts.length === 0
        ? coerceAttribute(attribute, slot.whole?.value, slot.label, policy)
        : coerceComplex(
            attribute,
            [...complexEntries(attribute, slot.whole?.value, slot.label), ...slot.parts],
            slot.label,
            policy,
          )
    if (value !== undefined) target[attribute.name] = value
  }
}

function requireAttributes(
  attributes: readonly AttributeDefinition[],
  target: Record<string, unknown>,
  label: (a: AttributeDefinition) => string,
) {
  for (const a of attributes) {
    if (a.required && a.mutability !== 'readOnly' && isMissing(target[a.name])) {
      throw invalidValue(`${label(a)} is required`)
    }
  }
}

/**
 * RFC 7643 §3: `schemas` lists the URNs the resource is made of. Missing is tolerated (GitLab,
 * Okta); URNs this server does not know are dropped (Entra ID adds its own Group URN).
 */
function checkSchemas(schema: ResourceSchema, schemas: unknown, label: string) {
  if (schemas === undefined || schemas === null) return
  const core = schema.coreSchema.id
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw invalidValue(
      `${label}: expected an array of schema URNs including '${core}', got ${describeValue(schemas)}`,
    )
  }
  const folded = core.toLowerCase()
  if (!schemas.some((s: string) => s.toLowerCase() === folded)) {
    throw invalidValue(`${label}: expected '${core}' among the schemas`)
  }
}

/** For messages: strings quoted (and cut short), anything else by its JSON type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

const XSD_DATE_TIME =
  /^-?(?:[1-9]\d{4,}|\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))?$/

const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

/** RFC 7643 §2.3.5: an xsd:dateTime (XML Schema Part 2 §3.2.7), e.g. `2008-01-23T04:56:22Z`. */
export function isXsdDateTime(text: string): boolean {
  const m = XSD_DATE_TIME.exec(text)
  if (!m) return false
  const year = Math.abs(Number.parseInt(text, 10))
  const [month, day, hour, minute, second] = m.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ]
  const fraction = m[6]
  const days = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  if (days === undefined || day < 1 || day > days) return false
  if (minute > 59 || second > 59) return false
  // 24:00:00 is the end of the day, allowed with zero minutes, seconds and fraction.
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || /[1-9]/.test(fraction ?? ''))))
    return false
  if (m[7] !== undefined) {
    const tzHour = Number(m[7])
    const tzMinute = Number(m[8])
    if (tzMinute > 59 || tzHour > 14 || (tzHour === 14 && tzMinute !== 0)) return false
  }
  return true
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** RFC 7643 §2.3.6: binary values are base64 with the RFC 4648 §4 alphabet and padding. */
export const isBase64 = (text: string): boolean => BASE64.test(text)
