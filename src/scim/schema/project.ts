import type { Filter } from '../filter/ast.js'
import { evaluateElement } from '../filter/evaluate.js'
import type { AttributeDefinition, SchemaDefinition } from './attribute.js'
import type { AttributePath } from './attribute-list.js'
import { commonAttributes } from './definitions/common.js'
import type { ResourceSchema } from './resource-schema.js'

/** RFC 7644 §3.4.2.5 / §3.9: the `attributes` and `excludedAttributes` of a request. */
export interface ProjectionRequest {
  readonly attributes?: readonly AttributePath[] | undefined
  readonly excludedAttributes?: readonly AttributePath[] | undefined
}

export type Projection = (resource: Record<string, unknown>) => Record<string, unknown>

/**
 * How to copy one key: `keep` passes the value by reference; `subs` keeps only some
 * sub-attributes of a complex value (of each value, when multi-valued); `object` applies
 * per-attribute rules inside an extension object; `values` first picks the values that value
 * filters keep (any of `keep`, when there are some) and drops or trims those `drops` match,
 * then applies `each`. A key with no rule is dropped.
 */
type Rule =
  | { readonly kind: 'keep' }
  | { readonly kind: 'subs'; readonly names: ReadonlySet<string> }
  | { readonly kind: 'object'; readonly rules: Rules }
  | {
      readonly kind: 'values'
      readonly attribute: AttributeDefinition
      readonly keep: readonly Filter[]
      readonly drops: readonly Drop[]
      readonly each: Rule
    }

/** `excludedAttributes=emails[type eq "work"]` drops matching values; with `.display`, that sub-attribute of them. */
interface Drop {
  readonly filter: Filter
  readonly subs: ReadonlySet<string> | undefined
}

interface Rules {
  readonly exact: ReadonlyMap<string, Rule>
  /** Lower-cased key → canonical key, for documents not in canonical case. */
  readonly folded: ReadonlyMap<string, string>
}

const KEEP: Rule = Object.freeze({ kind: 'keep' })

/** Paths resolved against the schema: whole schemas, whole attributes, or some sub-attributes. */
interface Selection {
  readonly schemas: Set<SchemaDefinition>
  readonly attributes: Map<AttributeDefinition, 'whole' | Set<AttributeDefinition>>
  /** Listed with value filters only: the filters; named by any plain path too: 'all'. */
  readonly filters: Map<AttributeDefinition, Filter[] | 'all'>
  /** Excluded through value filters: those values (or sub-attributes of them) only. */
  readonly drops: Map<AttributeDefinition, Drop[]>
}

/**
 * Resolves each path; names the schema does not know are ignored (RFC 7644 §3.4.2.5 gives no
 * error for them, and clients reuse one list across resource types).
 */
function select(
  schema: ResourceSchema,
  paths: readonly AttributePath[] | undefined,
  mode: 'listed' | 'excluded',
): Selection | undefined {
  if (!paths || paths.length === 0) return undefined
  const selection: Selection = { schemas: new Set(), attributes: new Map(), filters: new Map(), drops: new Map() }
  for (const path of paths) {
    // `urn:…:enterprise:2.0:User` parses as `{ uri: 'urn:…:2.0', name: 'User' }`: a whole schema.
    const whole =
      path.uri !== undefined && path.subAttr === undefined
        ? schema.findSchema(`${path.uri}:${path.name}`)
        : undefined
    if (whole) {
      selection.schemas.add(whole)
      continue
    }
    const resolved = schema.resolve(path)
    if (!resolved) continue
    // A value filter picks among the values of a complex attribute; elsewhere it has none to pick.
    const filter = resolved.attribute.type === 'complex' ? path.valueFilter : undefined
    if (mode === 'excluded' && filter !== undefined) {
      const drops = selection.drops.get(resolved.attribute) ?? []
      drops.push({ filter, subs: resolved.subAttribute && new Set([resolved.subAttribute.name]) })
      selection.drops.set(resolved.attribute, drops)
      continue
    }
    if (mode === 'listed') {
      const filters = selection.filters.get(resolved.attribute)
      if (filter === undefined) selection.filters.set(resolved.attribute, 'all')
      else if (filters === undefined) selection.filters.set(resolved.attribute, [filter])
      else if (filters !== 'all') filters.push(filter)
    }
    const current = selection.attributes.get(resolved.attribute)
    if (!resolved.subAttribute) selection.attributes.set(resolved.attribute, 'whole')
    else if (current === undefined)
      selection.attributes.set(resolved.attribute, new Set([resolved.subAttribute]))
    else if (current !== 'whole') current.add(resolved.subAttribute)
  }
  return selection
}

/**
 * RFC 7643 §2.2 `returned` with RFC 7644 §3.4.2.5: `always` is returned whatever the request
 * says, `never` never, `default` unless excluded or unless `attributes` leaves it out, `request`
 * only when `attributes` names it.
 */
function ruleFor(
  attribute: AttributeDefinition,
  schema: SchemaDefinition,
  listed: Selection | undefined,
  excluded: Selection | undefined,
): Rule | undefined {
  if (attribute.returned === 'never') return undefined
  const named = listed?.attributes.get(attribute)
  const schemaNamed = listed?.schemas.has(schema) === true
  const unnamed = excluded?.attributes.get(attribute)
  if (attribute.returned !== 'always') {
    if (listed ? named === undefined && !schemaNamed : attribute.returned === 'request') return undefined
    if (excluded?.schemas.has(schema) || unnamed === 'whole') return undefined
  }
  const rule = trimRule(attribute, named, schemaNamed, unnamed)
  const filters = schemaNamed || attribute.returned === 'always' ? undefined : listed?.filters.get(attribute)
  const drops = attribute.returned === 'always' ? undefined : excluded?.drops.get(attribute)
  if (rule === undefined || ((filters === undefined || filters === 'all') && drops === undefined)) return rule
  return { kind: 'values', attribute, keep: filters === 'all' ? [] : (filters ?? []), drops: drops ?? [], each: rule }
}

/** The rule for the sub-attributes of a value: all of them (`keep`), some, or none. */
function trimRule(
  attribute: AttributeDefinition,
  named: 'whole' | Set<AttributeDefinition> | undefined,
  schemaNamed: boolean,
  unnamed: 'whole' | Set<AttributeDefinition> | undefined,
): Rule | undefined {
  const subAttributes = attribute.subAttributes
  if (attribute.type !== 'complex' || !subAttributes) return KEEP
  const bySubs = named instanceof Set && !schemaNamed && attribute.returned !== 'always'
  const kept = subAttributes.filter((sub) => {
    if (sub.returned === 'never') return false
    if (sub.returned === 'always') return true
    if (unnamed instanceof Set && unnamed.has(sub)) return false
    if (bySubs) return named.has(sub)
    return sub.returned === 'default' || (named instanceof Set && named.has(sub))
  })
  if (kept.length === 0) return undefined
  if (kept.length === subAttributes.length) return KEEP
  return { kind: 'subs', names: new Set(kept.map((s) => s.name)) }
}

function rules(entries: Iterable<readonly [string, Rule | undefined]>): Rules {
  const exact = new Map<string, Rule>()
  const folded = new Map<string, string>()
  for (const [key, rule] of entries) {
    if (!rule) continue
    exact.set(key, rule)
    folded.set(key.toLowerCase(), key)
  }
  return { exact, folded }
}

/**
 * Compiles the request once; the returned function is then called for every resource of the
 * response. It copies only the top level (and the complex values it trims); kept values are
 * shared with the input, so the input must not be mutated afterwards.
 */
export function compileProjection(schema: ResourceSchema, request: ProjectionRequest = {}): Projection {
  const listed = select(schema, request.attributes, 'listed')
  const excluded = select(schema, request.excludedAttributes, 'excluded')
  const core = schema.coreSchema
  const top: Array<readonly [string, Rule | undefined]> = [['schemas', KEEP]]
  for (const a of [...commonAttributes, ...core.attributes])
    top.push([a.name, ruleFor(a, core, listed, excluded)])
  for (const { schema: extension } of schema.extensions) {
    const inner = extension.attributes.map((a) => [a.name, ruleFor(a, extension, listed, excluded)] as const)
    const kept = inner.filter(([, r]) => r !== undefined)
    if (kept.length === 0) continue
    top.push([
      extension.id,
      kept.length === inner.length && kept.every(([, r]) => r === KEEP)
        ? KEEP
        : { kind: 'object', rules: rules(kept) },
    ])
  }
  const compiled = rules(top)
  return function project(resource) {
    return projectObject(compiled, resource) ?? {}
  }
}

function projectObject(rules: Rules, value: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  let empty = true
  for (const key of Object.keys(value)) {
    let name = key
    let rule = rules.exact.get(key)
    if (rule === undefined) {
      const canonical = rules.folded.get(key.toLowerCase())
      if (canonical === undefined) continue
      name = canonical
      rule = rules.exact.get(canonical)
    }
    const projected = rule && applyRule(rule, value[key])
    if (projected === undefined || projected === null) continue
    out[name] = projected
    empty = false
  }
  return empty ? undefined : out
}

function applyRule(rule: Rule, value: unknown): unknown {
  switch (rule.kind) {
    case 'keep':
      return value
    case 'object':
      return isRecord(value) ? projectObject(rule.rules, value) : undefined
    case 'values':
      return applyValues(rule, value)
    case 'subs': {
      if (!Array.isArray(value)) return isRecord(value) ? pick(value, rule.names) : undefined
      const items: unknown[] = []
      for (const item of value) {
        const picked = isRecord(item) ? pick(item, rule.names) : undefined
        if (picked !== undefined) items.push(picked)
      }
      return items.length === 0 ? undefined : items
    }
  }
}

function applyValues(rule: Extract<Rule, { kind: 'values' }>, value: unknown): unknown {
  const items: unknown[] = Array.isArray(value) ? value : [value]
  const shown: unknown[] = []
  for (const item of items) {
    if (rule.keep.length > 0 && !rule.keep.some((f) => evaluateElement(f, item, rule.attribute))) continue
    let kept: unknown = item
    for (const drop of rule.drops) {
      if (kept === undefined || !evaluateElement(drop.filter, item, rule.attribute)) continue
      kept = drop.subs === undefined ? undefined : isRecord(kept) ? omit(kept, drop.subs) : kept
    }
    if (kept !== undefined) shown.push(kept)
  }
  if (shown.length === 0) return undefined
  // Always a copy: `keeps` (http/projection.ts) must not take a filtered value for one kept whole.
  const picked = Array.isArray(value) ? shown : isRecord(shown[0]) ? { ...shown[0] } : shown[0]
  return applyRule(rule.each, picked)
}

function omit(value: Record<string, unknown>, names: ReadonlySet<string>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  let empty = true
  for (const key of Object.keys(value)) {
    if (names.has(key)) continue
    out[key] = value[key]
    empty = false
  }
  return empty ? undefined : out
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

function pick(
  value: Record<string, unknown>,
  names: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  let empty = true
  for (const key of Object.keys(value)) {
    if (!names.has(key) || value[key] === undefined || value[key] === null) continue
    out[key] = value[key]
    empty = false
  }
  return empty ? undefined : out
}

const defaults = new WeakMap<ResourceSchema, Projection>()

/** `compileProjection` for a single resource; the projection without a request is cached. */
export function project(
  schema: ResourceSchema,
  resource: Record<string, unknown>,
  request: ProjectionRequest = {},
): Record<string, unknown> {
  if (!request.attributes?.length && !request.excludedAttributes?.length) {
    let projection = defaults.get(schema)
    if (!projection) defaults.set(schema, (projection = compileProjection(schema)))
    return projection(resource)
  }
  return compileProjection(schema, request)(resource)
}
