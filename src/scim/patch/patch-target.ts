import { invalidPath, mutability } from '../errors.js'
import type { Filter, PatchPath } from '../filter/ast.js'
import { formatFilter } from '../filter/format-filter.js'
import { formatAttrPath } from '../path/attr-path.js'
import type { AttributeDefinition } from '../schema/attribute.js'
import { subAttribute, type ResolvedAttribute, type ResourceSchema } from '../schema/resource-schema.js'

/** What a PATCH path (or a key of a path-less value) points at in a resource. */
export type PatchTarget =
  /** `schemas` is the server's business: operations on it are accepted and do nothing. */
  | { readonly kind: 'schemas' }
  /** A whole schema's attributes: `urn:...:enterprise:2.0:User` as a path or a value key. */
  | { readonly kind: 'schema'; readonly schemaId: string; readonly extension: boolean }
  | AttributeTarget

export interface AttributeTarget {
  readonly kind: 'attribute'
  /** The top-level attribute, without `subAttribute` even when the path names one. */
  readonly resolved: ResolvedAttribute
  readonly valueFilter?: Filter
  readonly subAttribute?: AttributeDefinition
  /** The path as written, for messages. */
  readonly text: string
}

export interface TargetOptions {
  /** `Operations[2]` or `Operations[2].value`: the start of every message. */
  readonly where: string
  readonly text: string
  /** Schema of the enclosing object for keys inside `{ "urn:...:User": { ... } }`. */
  readonly schemaUri?: string
  /**
   * Keys of a path-less value are as lenient as a POST body: unknown names are ignored (the
   * function returns undefined) instead of failing with invalidPath.
   */
  readonly lenient: boolean
}

/** Resolves a parsed path against a resource type (names in any case, RFC 7643 §2.1). */
export function resolvePatchTarget(
  schema: ResourceSchema,
  path: PatchPath,
  options: TargetOptions,
): PatchTarget | undefined {
  const { where, text, lenient } = options
  const { attrPath, valueFilter } = path
  if (attrPath.subAttr !== undefined && (valueFilter !== undefined || path.subAttr !== undefined)) {
    throw invalidPath(`${where}: path '${text}' names a sub-attribute before its value filter`)
  }
  const bare = attrPath.subAttr === undefined && valueFilter === undefined && path.subAttr === undefined
  if (attrPath.uri !== undefined && bare) {
    const whole = schema.findSchema(`${attrPath.uri}:${attrPath.name}`)
    if (whole) return { kind: 'schema', schemaId: whole.id, extension: schema.isExtension(whole.id) }
  }
  const uri = attrPath.uri ?? options.schemaUri
  const resourceType = schema.type.name
  if (uri !== undefined && !schema.findSchema(uri)) {
    if (lenient) return undefined
    throw invalidPath(
      `${where}: schema '${uri}' in path '${text}' is not a schema of resource type '${resourceType}'`,
    )
  }
  if (attrPath.name.toLowerCase() === 'schemas' && (uri === undefined || !schema.isExtension(uri))) {
    return { kind: 'schemas' }
  }
  const resolved = schema.attribute(attrPath.name, uri)
  if (!resolved) {
    if (lenient) return undefined
    const named = formatAttrPath({ ...attrPath, subAttr: undefined })
    throw invalidPath(
      `${where}: attribute '${named}' in path '${text}' is not defined for resource type '${resourceType}'`,
    )
  }
  const attribute = resolved.attribute
  const subName = attrPath.subAttr ?? path.subAttr
  let sub: AttributeDefinition | undefined
  if (subName !== undefined) {
    sub = subAttribute(attribute, subName)
    if (!sub) {
      if (lenient) return undefined
      throw invalidPath(`${where}: '${attribute.name}' has no sub-attribute '${subName}' (path '${text}')`)
    }
  }
  if (valueFilter !== undefined) {
    if (!attribute.multiValued) {
      throw invalidPath(`${where}: path '${text}' filters '${attribute.name}', which is not multi-valued`)
    }
    checkValueFilter(valueFilter, attribute, where, text)
  }
  return {
    kind: 'attribute',
    resolved,
    ...(valueFilter !== undefined && { valueFilter }),
    ...(sub !== undefined && { subAttribute: sub }),
    text,
  }
}

/** RFC 7644 §3.5.2: readOnly attributes cannot be the target of any operation. */
export function assertWritable(target: AttributeTarget, where: string): void {
  const { attribute } = target.resolved
  if (attribute.mutability === 'readOnly') {
    throw mutability(`${where}: attribute '${attribute.name}' is readOnly`)
  }
  if (target.subAttribute?.mutability === 'readOnly') {
    throw mutability(`${where}: attribute '${attribute.name}.${target.subAttribute.name}' is readOnly`)
  }
}

/**
 * A value filter's paths are relative to one element (`emails[type eq "work"]`), so each must
 * name a sub-attribute of the filtered attribute; `value` stands for a simple element.
 */
function checkValueFilter(filter: Filter, parent: AttributeDefinition, where: string, text: string): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkValueFilter(filter.left, parent, where, text)
      checkValueFilter(filter.right, parent, where, text)
      return
    case 'not':
      checkValueFilter(filter.filter, parent, where, text)
      return
    case 'valuePath':
      throw invalidPath(`${where}: value filters cannot be nested (path '${text}')`)
    case 'compare':
    case 'present': {
      const { uri, name, subAttr } = filter.path
      const known =
        parent.type === 'complex' ? subAttribute(parent, name) !== undefined : name.toLowerCase() === 'value'
      if (uri !== undefined || subAttr !== undefined || !known) {
        throw invalidPath(
          `${where}: '${formatAttrPath(filter.path)}' is not a sub-attribute of '${parent.name}' ` +
            `(path '${text}')`,
        )
      }
      return
    }
    default: {
      const never: never = filter
      throw new TypeError(`unexpected filter node ${JSON.stringify(never)}`)
    }
  }
}

/** The text of a path for messages when the client's own text is not at hand. */
export const formatPatchPath = (path: PatchPath): string =>
  `${formatAttrPath(path.attrPath)}${path.valueFilter ? `[${formatFilter(path.valueFilter)}]` : ''}${
    path.subAttr ? `.${path.subAttr}` : ''
  }`
