import { formatFilter } from '../scim/filter/format-filter.js'
import { formatAttrPath } from '../scim/path/attr-path.js'
import { parseAttributeList, type AttributePath } from '../scim/schema/attribute-list.js'
import { compileProjection } from '../scim/schema/project.js'
import type { ResourceSchema } from '../scim/schema/resource-schema.js'
import type { DerivedWanted } from '../provisioning/resources.js'

export interface ProjectionRequest {
  readonly attributes?: AttributePath[] | undefined
  readonly excludedAttributes?: AttributePath[] | undefined
}

export interface Projection {
  readonly apply: (resource: Record<string, unknown>) => Record<string, unknown>
  /**
   * Whether `apply` passes the top-level attribute `key` (as the document spells it) through
   * unchanged: a document made only of such keys can be sent as its stored text
   * (render.ts renderedJson).
   */
  readonly keeps: (key: string) => boolean
  /** Derived attributes cost a query (and for big groups, a lot): load them only when shown. */
  readonly wanted: DerivedWanted
  readonly requested: boolean
  /**
   * Whether a value filter picks among a group's members (`attributes=members[type eq "User"]`):
   * members are then not all shown alike, which streaming them page by page relies on.
   */
  readonly filtersMembers: boolean
}

const names = (paths: readonly AttributePath[] | undefined, schema: ResourceSchema, name: string) =>
  paths?.some((p) => {
    if (p.name.toLowerCase() !== name) return false
    return p.uri === undefined || p.uri.toLowerCase() === schema.coreSchema.id.toLowerCase()
  }) ?? false

function wants(request: ProjectionRequest, schema: ResourceSchema, name: string): boolean {
  if (request.attributes?.length) return names(request.attributes, schema, name)
  // `excludedAttributes=members.display` (or `members[type eq "Group"]`) still needs members;
  // only the whole attribute counts.
  return !(request.excludedAttributes ?? []).some(
    (p) => p.subAttr === undefined && p.valueFilter === undefined && names([p], schema, name),
  )
}

/** Compiled projections by request shape: most requests ask the same few (often none). */
const compiled = new Map<string, Projection>()
const MAX_COMPILED = 256

/** A value filter is part of the shape: `emails` and `emails[type eq "work"]` project differently. */
const formatItem = (p: AttributePath) =>
  `${formatAttrPath(p)}${p.valueFilter ? `[${formatFilter(p.valueFilter)}]` : ''}`

const keyOf = (schema: ResourceSchema, request: ProjectionRequest) =>
  `${schema.type.id}\u0000${(request.attributes ?? []).map(formatItem).join(',')}\u0000${(
    request.excludedAttributes ?? []
  )
    .map(formatItem)
    .join(',')}`

/** The projection of requests that name no attributes, per schema: no key to build. */
const unrequested = new WeakMap<ResourceSchema, Projection>()

export function projectionOf(schema: ResourceSchema, request: ProjectionRequest): Projection {
  if (!request.attributes?.length && !request.excludedAttributes?.length) {
    let projection = unrequested.get(schema)
    if (projection === undefined) unrequested.set(schema, (projection = compile(schema, {})))
    return projection
  }
  const key = keyOf(schema, request)
  const cached = compiled.get(key)
  // Only the registry's own schemas are cached: a test's ad-hoc schema must not see another's.
  if (cached && cachedFor.get(cached) === schema) return cached
  const projection = compile(schema, request)
  if (compiled.size >= MAX_COMPILED) compiled.clear()
  compiled.set(key, projection)
  cachedFor.set(projection, schema)
  return projection
}

const cachedFor = new WeakMap<Projection, ResourceSchema>()

function compile(schema: ResourceSchema, request: ProjectionRequest): Projection {
  const clean: ProjectionRequest = {
    ...(request.attributes?.length && { attributes: request.attributes }),
    ...(request.excludedAttributes?.length && { excludedAttributes: request.excludedAttributes }),
  }
  const apply = compileProjection(schema, clean)
  return {
    apply,
    keeps: keepsOf(apply),
    wanted: { groups: wants(clean, schema, 'groups'), members: wants(clean, schema, 'members') },
    requested: clean.attributes !== undefined || clean.excludedAttributes !== undefined,
    filtersMembers: [...(clean.attributes ?? []), ...(clean.excludedAttributes ?? [])].some(
      (p) => p.valueFilter !== undefined && names([p], schema, 'members'),
    ),
  }
}

/** Answers per key remembered; documents hold a few dozen distinct keys at most. */
const MAX_KEYS = 512

/**
 * Learns what `apply` does with a key by showing it one: only a key it keeps whole comes back
 * as the very same object (trimmed values are copies, dropped ones absent).
 */
function keepsOf(apply: Projection['apply']): Projection['keeps'] {
  const known = new Map<string, boolean>()
  return function keeps(key) {
    let kept = known.get(key)
    if (kept === undefined) {
      const probe = {}
      kept = apply({ [key]: probe })[key] === probe
      if (known.size < MAX_KEYS) known.set(key, kept)
    }
    return kept
  }
}

/** `?attributes=` / `?excludedAttributes=` of a single-resource request (RFC 7644 §3.9). */
export function projectionFromQuery(schema: ResourceSchema, query: Record<string, unknown>): Projection {
  const value = (name: string) => {
    const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase())
    const v = key === undefined ? undefined : query[key]
    return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined
  }
  return projectionOf(schema, {
    attributes: parseAttributeList(value('attributes'), 'attributes'),
    excludedAttributes: parseAttributeList(value('excludedAttributes'), 'excludedAttributes'),
  })
}
