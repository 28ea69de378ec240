import { invalidValue, noTarget } from '../errors.js'
import type { AttributeDefinition } from '../schema/attribute.js'
import { coerceAttributeValue } from '../schema/coerce.js'
import { subAttribute, type ResolvedAttribute } from '../schema/resource-schema.js'
import {
  asArray,
  deepEqual,
  deleteMember,
  getMember,
  isJsonObject,
  isUnassigned,
  setMember,
  type JsonObject,
} from './json-object.js'
import { mergeComplex } from './merge-complex.js'
import { assertImmutableKept } from './mutability-rules.js'
import { containerOf, type PatchContext } from './patch-context.js'
import type { AttributeTarget } from './patch-target.js'
import { keepSinglePrimary } from './primary-value.js'
import { elementFromFilter, selectedIndexes } from './value-filter.js'
import { writeAttribute } from './write-attribute.js'

/** Where a value sits, for messages (`Operations[1]`) and for coercion (`Operations[1].value`). */
export interface ValueSite {
  readonly where: string
  readonly valueWhere: string
}

type SetMode = 'add' | 'replace'

/**
 * RFC 7644 §3.5.2.1 (add) and §3.5.2.3 (replace) on one attribute target. The two differ only
 * for a multi-valued attribute named without a filter: add appends, replace substitutes.
 */
export function setAttribute(
  ctx: PatchContext,
  mode: SetMode,
  target: AttributeTarget,
  value: unknown,
  site: ValueSite,
): void {
  const { resolved, valueFilter, subAttribute: sub } = target
  if (valueFilter !== undefined || (sub !== undefined && resolved.attribute.multiValued)) {
    setInElements(ctx, mode, target, value, site)
  } else if (sub !== undefined) {
    setSubAttribute(ctx, resolved, sub, value, site)
  } else {
    setWhole(ctx, mode, resolved, value, site)
  }
}

const coerce = (ctx: PatchContext, resolved: ResolvedAttribute, value: unknown, site: ValueSite) =>
  isUnassigned(value) ? undefined : coerceAttributeValue(ctx.schema, resolved, value, site.valueWhere)

function setWhole(
  ctx: PatchContext,
  mode: SetMode,
  resolved: ResolvedAttribute,
  value: unknown,
  site: ValueSite,
): void {
  const { attribute } = resolved
  const coerced = coerce(ctx, resolved, value, site)
  if (coerced === undefined) {
    // RFC 7643 §2.5: replacing with null or [] unassigns. Adding nothing, or a value made only of
    // sub-attributes the server ignores, changes nothing.
    const container = containerOf(ctx, resolved, false)
    if (mode === 'replace' && isUnassigned(value) && container) writeAttribute(container, attribute, undefined)
    return
  }
  const container = containerOf(ctx, resolved, true) as JsonObject
  const before = getMember(container, attribute.name)
  let after: unknown = coerced
  if (attribute.multiValued && mode === 'add') {
    // RFC 7644 §3.5.2.1: values are added; one equal to a value already there adds nothing.
    const elements = [...asArray(before)]
    const added: unknown[] = []
    for (const item of asArray(coerced)) {
      if (elements.some((e) => deepEqual(e, item))) continue
      elements.push(item)
      added.push(item)
    }
    keepSinglePrimary(elements, added, site.where, attribute.name)
    after = elements
  } else if (attribute.multiValued) {
    after = asArray(coerced)
    keepSinglePrimary(asArray(after), asArray(after), site.where, attribute.name)
  } else if (attribute.type === 'complex' && isJsonObject(coerced)) {
    after = mergeComplex(isJsonObject(before) ? before : {}, coerced, attribute, site.where)
  }
  writeAttribute(container, attribute, after)
}

/** `name.givenName`: one sub-attribute of a single-valued complex attribute. */
function setSubAttribute(
  ctx: PatchContext,
  resolved: ResolvedAttribute,
  sub: AttributeDefinition,
  value: unknown,
  site: ValueSite,
): void {
  const { attribute } = resolved
  const coerced = coerce(ctx, { ...resolved, subAttribute: sub }, value, site)
  const container = containerOf(ctx, resolved, coerced !== undefined)
  const before = getMember(container, attribute.name)
  if (container === undefined || (coerced === undefined && !isJsonObject(before))) return
  const object: JsonObject = isJsonObject(before) ? { ...before } : {}
  assertImmutableKept(sub, getMember(object, sub.name), coerced, site.where, `${attribute.name}.${sub.name}`)
  if (coerced === undefined) deleteMember(object, sub.name)
  else setMember(object, sub.name, coerced)
  writeAttribute(container, attribute, object)
}

/**
 * `emails[type eq "work"]`, `emails[type eq "work"].value` and `emails.value`: the elements a
 * filter selects (all of them without a filter). When none is selected and the value is not
 * empty, an element is created from the filter's `eq` terms — Entra relies on it to set an
 * email or phone number that does not exist yet; RFC 7644 §3.5.2.3 would say noTarget, which is
 * what a filter that describes no element still gets.
 */
function setInElements(
  ctx: PatchContext,
  mode: SetMode,
  target: AttributeTarget,
  value: unknown,
  site: ValueSite,
): void {
  const { resolved, valueFilter, subAttribute: sub, text } = target
  const { attribute } = resolved
  const { where } = site
  const name = attribute.name
  let elements = [...asArray(getMember(containerOf(ctx, resolved, false), name))]
  const selected = selectedIndexes(valueFilter, elements, attribute)
  let touched: unknown[]

  if (selected.size === 0) {
    if (isUnassigned(value)) return
    const blank: JsonObject | undefined = attribute.type === 'complex' ? {} : undefined
    const seed = valueFilter ? elementFromFilter(valueFilter, attribute) : blank
    if (!seed) {
      throw noTarget(
        `${where}: no value of '${name}' matches path '${text}', ` +
          'and its filter does not describe one to create',
      )
    }
    if (sub) {
      seed[sub.name] = value
    } else {
      const item = singleItem(value, site, name, text)
      if (!isJsonObject(item)) {
        throw invalidValue(`${site.valueWhere}: expected an object with sub-attributes of '${name}'`)
      }
      for (const [key, v] of Object.entries(item)) setMember(seed, subAttribute(attribute, key)?.name ?? key, v)
    }
    const created = coerceElement(ctx, resolved, seed, site)
    elements.push(created)
    touched = [created]
  } else if (sub) {
    const coerced = coerce(ctx, { ...resolved, subAttribute: sub }, value, site)
    touched = elements.filter((_, i) => selected.has(i))
    for (const element of touched) {
      if (!isJsonObject(element)) continue
      assertImmutableKept(sub, getMember(element, sub.name), coerced, where, `${name}.${sub.name}`)
      if (coerced === undefined) deleteMember(element, sub.name)
      else setMember(element, sub.name, structuredClone(coerced))
    }
  } else if (isUnassigned(value)) {
    // RFC 7643 §2.5: replacing selected values with nothing removes them.
    if (mode === 'add') return
    touched = []
    elements = elements.filter((_, i) => !selected.has(i))
  } else {
    const item = coerceElement(ctx, resolved, singleItem(value, site, name, text), site)
    touched = []
    elements = elements.map((element, i) => {
      if (!selected.has(i)) return element
      const merge = isJsonObject(element) && isJsonObject(item)
      const next = merge ? mergeComplex(element, item, attribute, where) : structuredClone(item)
      touched.push(next)
      return next
    })
  }
  keepSinglePrimary(elements, touched, where, name)
  writeAttribute(containerOf(ctx, resolved, true) as JsonObject, attribute, elements)
}

/** A path that selects elements takes one element as its value (or an array of exactly one). */
function singleItem(value: unknown, site: ValueSite, name: string, text: string): unknown {
  if (!Array.isArray(value)) return value
  if (value.length !== 1) {
    throw invalidValue(
      `${site.valueWhere}: path '${text}' selects values of '${name}', ` +
        `so one value is expected, found ${value.length}`,
    )
  }
  return value[0]
}

function coerceElement(ctx: PatchContext, resolved: ResolvedAttribute, element: unknown, site: ValueSite) {
  const [coerced, ...rest] = asArray(coerceAttributeValue(ctx.schema, resolved, [element], site.valueWhere))
  if (coerced === undefined || rest.length > 0) {
    throw invalidValue(`${site.valueWhere}: expected one value of '${resolved.attribute.name}'`)
  }
  return coerced
}
