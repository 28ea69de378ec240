import { invalidPath, invalidSyntax, invalidValue, isScimError, noTarget, ScimError } from '../errors.js'
import type { PatchPath } from '../filter/ast.js'
import { assertSafeObject } from '../json/safe-object.js'
import { parsePatchPath } from '../path/parse-patch-path.js'
import { SCHEMA_URNS } from '../schema/attribute.js'
import { findKey, getMember, isJsonObject } from './json-object.js'

/** One entry of a PatchOp's `Operations`, checked and with its path parsed (RFC 7644 §3.5.2). */
export interface PatchOperation {
  /** Position in `Operations`, for messages: `Operations[2]: ...`. */
  readonly index: number
  readonly op: 'add' | 'remove' | 'replace'
  readonly path?: PatchPath
  /** The path as the client wrote it (trimmed), for messages. */
  readonly pathText?: string
  readonly value?: unknown
}

/** A request with more operations than this is refused before any is looked at. */
export const MAX_PATCH_OPERATIONS = 1000

/**
 * `op` is matched in any case: Entra sends `Add`/`Replace`/`Remove` and GitLab's instance API
 * documents `Update`, which can only mean replace (docs/idp-compatibility.md).
 */
const OPS = new Map<string, PatchOperation['op']>([
  ['add', 'add'],
  ['remove', 'remove'],
  ['replace', 'replace'],
  ['update', 'replace'],
])

/**
 * RFC 7644 §3.5.2: reads a PatchOp message. The envelope is strict (the PatchOp URN in
 * `schemas` when it is given, a non-empty `Operations`), member names are matched in any case, and each
 * operation's `path` is parsed here so a bad path fails before anything is applied.
 */
export function parsePatchOp(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) throw invalidSyntax('PatchOp: the request body must be a JSON object')
  const schemas = getMember(body, 'schemas')
  const listed = Array.isArray(schemas) ? schemas : [schemas]
  const urn = SCHEMA_URNS.patchOp.toLowerCase()
  // GitHub's organization SCIM examples and GitLab's documented bodies omit `schemas`
  // (docs/idp-compatibility.md): a missing list is tolerated, a wrong one is not.
  if (schemas !== undefined && !listed.some((s) => typeof s === 'string' && s.toLowerCase() === urn)) {
    throw invalidSyntax(`schemas: expected '${SCHEMA_URNS.patchOp}'`)
  }
  const operations = getMember(body, 'Operations')
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax("'Operations' must be a non-empty array of operations")
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw invalidValue(
      `Operations: at most ${MAX_PATCH_OPERATIONS} operations are allowed in one request, found ${operations.length}`,
    )
  }
  return operations.map(parseOperation)
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`
  if (!isJsonObject(raw)) throw invalidSyntax(`${where}: expected an object with 'op', 'path' and 'value'`)
  const opText = getMember(raw, 'op')
  if (opText === undefined || opText === null) throw invalidSyntax(`${where}: 'op' is required`)
  const op = typeof opText === 'string' ? OPS.get(opText.toLowerCase()) : undefined
  if (op === undefined) {
    const found = JSON.stringify(opText)
    throw invalidSyntax(`${where}: 'op' must be 'add', 'remove' or 'replace', found ${found}`)
  }

  const rawPath = getMember(raw, 'path')
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
    throw invalidPath(`${where}: 'path' must be a string`)
  }
  // An empty `path` is read as no path at all, which is what the clients that send it mean.
  const pathText = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : undefined
  const path = pathText === undefined ? undefined : parsePatchPathAt(pathText, where)

  const hasValue = findKey(raw, 'value') !== undefined
  const value = getMember(raw, 'value')
  // RFC 7644 §3.5.2.2: a remove without a path has no target.
  if (op === 'remove' && path === undefined) throw noTarget(`${where}: 'path' is required for op 'remove'`)
  // RFC 7644 §3.5.2.1 and §3.5.2.3: add and replace carry the value to set.
  if (op !== 'remove' && !hasValue) throw invalidValue(`${where}: 'value' is required for op '${op}'`)
  if (op !== 'remove' && path === undefined && !isJsonObject(value)) {
    throw invalidValue(`${where}: 'value' must be an object of attributes when 'path' is omitted`)
  }
  assertSafeObject(value, `${where}.value`)

  return Object.freeze({
    index,
    op,
    ...(path !== undefined && { path, pathText }),
    ...(hasValue && { value }),
  })
}

/** `parsePatchPath`, with the location of the path put in front of its error message. */
export function parsePatchPathAt(text: string, where: string): PatchPath {
  try {
    return parsePatchPath(text)
  } catch (e) {
    if (isScimError(e)) throw new ScimError(e.status, e.scimType, `${where}: ${e.detail}`, { ...e.headers })
    throw e
  }
}
