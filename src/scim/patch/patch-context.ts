import type { ResolvedAttribute, ResourceSchema } from '../schema/resource-schema.js'
import { findKey, isJsonObject, type JsonObject } from './json-object.js'

/** The document being patched (a private copy) and what the operations touched. */
export interface PatchContext {
  readonly schema: ResourceSchema
  readonly document: JsonObject
  /** Extensions whose object may have appeared or emptied, to update `schemas` at the end. */
  readonly touchedExtensions: Set<string>
}

/**
 * The object that holds `resolved`: the document for core and common attributes, the
 * extension's object (`doc['urn:...:enterprise:2.0:User']`) for extension attributes,
 * created on demand when `create` is set.
 */
export const containerOf = (ctx: PatchContext, resolved: ResolvedAttribute, create: boolean) =>
  resolved.extension === undefined ? ctx.document : extensionObject(ctx, resolved.extension, create)

export function extensionObject(ctx: PatchContext, schemaId: string, create: boolean): JsonObject | undefined {
  const { document } = ctx
  ctx.touchedExtensions.add(schemaId)
  const key = findKey(document, schemaId)
  let object = key === undefined ? undefined : document[key]
  if (key !== undefined && key !== schemaId) {
    delete document[key]
    document[schemaId] = object
  }
  if (!isJsonObject(object)) {
    if (!create) return undefined
    object = {}
    document[schemaId] = object
  }
  return object as JsonObject
}

/**
 * Keeps `schemas` in step with the extension objects (RFC 7643 §3: it lists the schemas the
 * resource uses): an extension that gained attributes is listed, one left empty is dropped
 * together with its URN.
 */
export function syncExtensionSchemas(ctx: PatchContext): void {
  const { document, schema } = ctx
  for (const schemaId of ctx.touchedExtensions) {
    const key = findKey(document, schemaId)
    const object = key === undefined ? undefined : document[key]
    const used = isJsonObject(object) && Object.keys(object).length > 0
    if (!used && key !== undefined) delete document[key]
    const lower = schemaId.toLowerCase()
    const listed = Array.isArray(document.schemas) ? (document.schemas as unknown[]) : undefined
    const present = listed?.some((s) => typeof s === 'string' && s.toLowerCase() === lower) ?? false
    if (used && !present) {
      document.schemas = listed ? [...listed, schemaId] : [schema.coreSchema.id, schemaId]
    } else if (!used && present && listed) {
      document.schemas = listed.filter((s) => typeof s !== 'string' || s.toLowerCase() !== lower)
    }
  }
}
