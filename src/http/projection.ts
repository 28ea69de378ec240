import type { AttrPath } from '../scim/filter/ast.js'
import { parseAttributeList } from '../scim/schema/attribute-list.js'
import { compileProjection } from '../scim/schema/project.js'
import type { ResourceSchema } from '../scim/schema/resource-schema.js'
import type { DerivedWanted } from '../provisioning/resources.js'

export interface ProjectionRequest {
  readonly attributes?: AttrPath[] | undefined
  readonly excludedAttributes?: AttrPath[] | undefined
}

export interface Projection {
  readonly apply: (resource: Record<string, unknown>) => Record<string, unknown>
  /** Derived attributes cost a query (and for big groups, a lot): load them only when shown. */
  readonly wanted: DerivedWanted
  readonly requested: boolean
}

const names = (paths: readonly AttrPath[] | undefined, schema: ResourceSchema, name: string) =>
  paths?.some((p) => {
    if (p.name.toLowerCase() !== name) return false
    return p.uri === undefined || p.uri.toLowerCase() === schema.coreSchema.id.toLowerCase()
  }) ?? false

function wants(request: ProjectionRequest, schema: ResourceSchema, name: string): boolean {
  if (request.attributes?.length) return names(request.attributes, schema, name)
  // `excludedAttributes=members.display` still needs members; only the whole attribute counts.
  return !(request.excludedAttributes ?? []).some((p) => p.subAttr === undefined && names([p], schema, name))
}

export function projectionOf(schema: ResourceSchema, request: ProjectionRequest): Projection {
  const clean: ProjectionRequest = {
    ...(request.attributes?.length && { attributes: request.attributes }),
    ...(request.excludedAttributes?.length && { excludedAttributes: request.excludedAttributes }),
  }
  return {
    apply: compileProjection(schema, clean),
    wanted: { groups: wants(clean, schema, 'groups'), members: wants(clean, schema, 'members') },
    requested: clean.attributes !== undefined || clean.excludedAttributes !== undefined,
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
