import { invalidPath, invalidValue, noTarget } from '../errors.js'
import type { PatchPath } from '../filter/ast.js'
import { parseAttrPath } from '../path/attr-path.js'
import type { ResourceSchema } from '../schema/resource-schema.js'
import { findKey, getMember, isJsonObject } from './json-object.js'
import { assertAttributesRemovable, assertImmutableKept } from './mutability-rules.js'
import { containerOf, extensionObject, syncExtensionSchemas, type PatchContext } from './patch-context.js'
import { parsePatchPathAt, type PatchOperation } from './patch-op.js'
import {
  assertWritable,
  formatPatchPath,
  resolvePatchTarget,
  type AttributeTarget,
  type PatchTarget,
} from './patch-target.js'
import { removeAttribute } from './remove-attribute.js'
import { setAttribute, type ValueSite } from './set-attribute.js'

type Op = PatchOperation['op']

/**
 * RFC 7644 §3.5.2: applies `operations` in order to a canonical document and returns the new
 * document. The input is never modified and an error in any operation throws before anything
 * is returned, so the caller stores all of the PATCH or none of it (§3.5.2: "the operations
 * ... are applied atomically"). The result is not re-validated as a whole: the caller runs
 * `coerceResource` on it.
 */
export function applyPatch(
  schema: ResourceSchema,
  document: Record<string, unknown>,
  operations: readonly PatchOperation[],
): Record<string, unknown> {
  const ctx: PatchContext = { schema, document: structuredClone(document), touchedExtensions: new Set() }
  for (const operation of operations) applyOperation(ctx, operation)
  syncExtensionSchemas(ctx)
  return ctx.document
}

function applyOperation(ctx: PatchContext, operation: PatchOperation): void {
  const where = `Operations[${operation.index}]`
  const site: ValueSite = { where, valueWhere: `${where}.value` }
  // Later operations edit the document in place, so it must not share objects with the request.
  const value: unknown = structuredClone(operation.value)
  if (operation.path === undefined) {
    if (operation.op === 'remove') throw noTarget(`${where}: 'path' is required for op 'remove'`)
    applyAttributes(ctx, operation.op, value, site)
    return
  }
  const text = operation.pathText ?? formatPatchPath(operation.path)
  const target = resolvePatchTarget(ctx.schema, operation.path, { where, text, lenient: false })
  if (target === undefined) throw new TypeError('a strict path resolution returned no target')
  applyToTarget(ctx, operation.op, target, value, site)
}

function applyToTarget(ctx: PatchContext, op: Op, target: PatchTarget, value: unknown, site: ValueSite) {
  switch (target.kind) {
    case 'schemas':
      return
    case 'schema':
      applyToSchema(ctx, op, target.schemaId, target.extension, value, site)
      return
    case 'attribute':
      assertWritable(target, site.where)
      applyToAttribute(ctx, op, target, value, site)
      return
    default: {
      const never: never = target
      throw new TypeError(`unexpected target ${JSON.stringify(never)}`)
    }
  }
}

/**
 * RFC 7644 §3.5.2.1: without a path the value is a set of attributes of the resource itself.
 * Its keys may be attribute paths (`name.givenName`), URN-qualified
 * (`urn:...:enterprise:2.0:User:employeeNumber`) or a whole extension URN mapping to an object
 * (Entra's `aadOptscim062020` shape, docs/idp-compatibility.md); each is applied as an operation
 * with that path. Unknown keys are ignored as on create. `id`, `meta` and `schemas`, which
 * Entra and Okta repeat, are ignored too; any other readOnly key is refused.
 */
function applyAttributes(
  ctx: PatchContext,
  op: 'add' | 'replace',
  value: unknown,
  site: ValueSite,
  schemaUri?: string,
): void {
  if (!isJsonObject(value)) throw invalidValue(`${site.valueWhere}: expected an object of attributes`)
  for (const [key, item] of Object.entries(value)) {
    const at = `${site.valueWhere}.${key}`
    const target = keyTarget(ctx.schema, key, at, schemaUri)
    if (target === undefined || (target.kind === 'attribute' && isRepeatedCommon(target))) continue
    applyToTarget(ctx, op, target, item, { where: at, valueWhere: at })
  }
}

/** `id` and `meta` (RFC 7643 §3.1): readOnly common attributes a client echoes back. */
const isRepeatedCommon = (target: AttributeTarget) =>
  target.resolved.common && target.resolved.attribute.mutability === 'readOnly'

function keyTarget(schema: ResourceSchema, key: string, at: string, schemaUri: string | undefined) {
  let path: PatchPath | undefined
  if (key.includes('[')) {
    path = parsePatchPathAt(key, at)
  } else {
    const attrPath = parseAttrPath(key)
    if (attrPath === undefined) return undefined
    path = { attrPath }
  }
  const options = { where: at, text: key, lenient: true, ...(schemaUri !== undefined && { schemaUri }) }
  return resolvePatchTarget(schema, path, options)
}

/** A whole schema as the target: `{"op":"add","path":"urn:...:enterprise:2.0:User","value":{...}}`. */
function applyToSchema(
  ctx: PatchContext,
  op: Op,
  schemaId: string,
  extension: boolean,
  value: unknown,
  site: ValueSite,
): void {
  if (op === 'remove' || (op === 'replace' && value === null)) {
    if (!extension) {
      throw invalidPath(`${site.where}: the core schema '${schemaId}' cannot be removed; name its attributes`)
    }
    const object = extensionObject(ctx, schemaId, false)
    assertAttributesRemovable(ctx.schema.findSchema(schemaId)?.attributes ?? [], object, site.where)
    const key = findKey(ctx.document, schemaId)
    if (key !== undefined) delete ctx.document[key]
    return
  }
  if (value === null) return
  applyAttributes(ctx, op, value, site, schemaId)
}

function applyToAttribute(ctx: PatchContext, op: Op, target: AttributeTarget, value: unknown, site: ValueSite) {
  const { resolved } = target
  const { attribute } = resolved
  const current = () => getMember(containerOf(ctx, resolved, false), attribute.name)
  // RFC 7643 §2.2: an immutable attribute that has a value keeps it, whatever the operation.
  const before = attribute.mutability === 'immutable' ? structuredClone(current()) : undefined
  if (op === 'remove') removeAttribute(ctx, target, value, site.where)
  else setAttribute(ctx, op, target, value, site)
  if (attribute.mutability === 'immutable') {
    assertImmutableKept(attribute, before, current(), site.where, attribute.name)
  }
}
