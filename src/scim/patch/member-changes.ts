import { invalidValue, mutability } from '../errors.js'
import type { Filter } from '../filter/ast.js'
import { unstorableText } from '../json/unicode-text.js'
import { parseAttrPath } from '../path/attr-path.js'
import type { ResolvedAttribute, ResourceSchema } from '../schema/resource-schema.js'
import { getMember, isJsonObject, type JsonObject } from './json-object.js'
import { parsePatchPathAt, type PatchOperation } from './patch-op.js'
import { formatPatchPath, resolvePatchTarget, type AttributeTarget } from './patch-target.js'

/** A Group member as a membership change names it (RFC 7643 §4.2: `value` is the member's id). */
export interface MemberReference {
  readonly value: string
  readonly type?: 'User' | 'Group'
}

/** One change to a Group's membership, in the order of the operations that asked for it. */
export type MemberChange =
  | { readonly kind: 'add'; readonly members: MemberReference[]; readonly index: number }
  | { readonly kind: 'remove'; readonly values: string[]; readonly index: number }
  | { readonly kind: 'removeAll'; readonly index: number }
  /** `members[type eq "Group"]`: the filter is relative to one member, for `evaluateElement` or SQL. */
  | { readonly kind: 'removeWhere'; readonly filter: Filter; readonly index: number }
  | { readonly kind: 'replace'; readonly members: MemberReference[]; readonly index: number }

export interface SplitOperations {
  readonly documentOperations: PatchOperation[]
  readonly memberChanges: MemberChange[]
}

const MEMBER_TYPES = new Map<string, MemberReference['type']>([
  ['user', 'User'],
  ['group', 'Group'],
])

/**
 * Group members live in a table of their own (docs/design.md, *Storage decisions*), so a PATCH
 * must never load or rewrite the member list: every operation on `members` becomes a
 * membership change, and only the rest is applied to the document. A path-less add or replace
 * whose value has a `members` key is split in two. Resource types without `members` pass
 * through unchanged.
 */
export function splitMemberOperations(
  schema: ResourceSchema,
  operations: readonly PatchOperation[],
): SplitOperations {
  const members = schema.attribute('members')
  if (members === undefined || !members.attribute.multiValued || members.extension !== undefined) {
    return { documentOperations: [...operations], memberChanges: [] }
  }
  const documentOperations: PatchOperation[] = []
  const memberChanges: MemberChange[] = []
  for (const operation of operations) {
    const where = `Operations[${operation.index}]`
    if (operation.path !== undefined) {
      const text = operation.pathText ?? formatPatchPath(operation.path)
      const target = resolvePatchTarget(schema, operation.path, { where, text, lenient: false })
      if (target?.kind === 'attribute' && target.resolved.attribute === members.attribute) {
        memberChanges.push(pathChange(operation, target, where))
      } else {
        documentOperations.push(operation)
      }
    } else if (operation.op !== 'remove' && isJsonObject(operation.value)) {
      const { op, value, index } = operation
      const { rest, changes } = splitValue(schema, members, op, value, index, `${where}.value`)
      memberChanges.push(...changes)
      if (Object.keys(rest).length > 0) documentOperations.push({ ...operation, value: rest })
    } else {
      documentOperations.push(operation)
    }
  }
  return { documentOperations, memberChanges }
}

function pathChange(operation: PatchOperation, target: AttributeTarget, where: string): MemberChange {
  const { index, op, value } = operation
  if (target.subAttribute !== undefined) {
    // RFC 7643 §4.2: `display` is readOnly; `value`, `$ref` and `type` are immutable.
    const { name, mutability: kind } = target.subAttribute
    throw mutability(
      kind === 'readOnly'
        ? `${where}: attribute 'members.${name}' is readOnly`
        : `${where}: attribute 'members.${name}' is immutable; remove the member and add it again`,
    )
  }
  if (target.valueFilter !== undefined) {
    if (op !== 'remove') {
      throw mutability(`${where}: members are immutable; use op 'add' with path 'members', or op 'remove'`)
    }
    const values = filterValues(target.valueFilter)
    if (values) return { kind: 'remove', values, index }
    return { kind: 'removeWhere', filter: target.valueFilter, index }
  }
  if (op === 'add') return { kind: 'add', members: memberList(value, `${where}.value`), index }
  if (op === 'replace') return { kind: 'replace', members: memberList(value, `${where}.value`), index }
  // RFC 7644 §3.5.2.2 removes all members for `"path":"members"`; with a value list (Entra,
  // docs/idp-compatibility.md, *Removing one member*) only the members listed go.
  if (value === undefined || value === null) return { kind: 'removeAll', index }
  return { kind: 'remove', values: memberList(value, `${where}.value`).map((m) => m.value), index }
}

/** `value eq "a"` or `value eq "a" or value eq "b"`: the ids, else undefined. */
function filterValues(filter: Filter): string[] | undefined {
  if (filter.kind === 'or') {
    const left = filterValues(filter.left)
    const right = left && filterValues(filter.right)
    return right && [...(left ?? []), ...right]
  }
  const plain =
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    typeof filter.value === 'string' &&
    filter.path.name.toLowerCase() === 'value' &&
    filter.path.subAttr === undefined &&
    filter.path.uri === undefined
  return plain ? [filter.value as string] : undefined
}

/**
 * Takes the `members` keys out of a path-less value (`{"members":[...]}`, also under the core
 * URN key or URN-qualified), keeping the other keys for the document.
 */
function splitValue(
  schema: ResourceSchema,
  members: ResolvedAttribute,
  op: 'add' | 'replace',
  value: JsonObject,
  index: number,
  where: string,
  schemaUri?: string,
): { rest: JsonObject; changes: MemberChange[] } {
  const rest: JsonObject = {}
  const changes: MemberChange[] = []
  for (const [key, item] of Object.entries(value)) {
    const at = `${where}.${key}`
    const attrPath = key.includes('[') ? undefined : parseAttrPath(key)
    const path = key.includes('[') ? parsePatchPathAt(key, at) : attrPath && { attrPath }
    const options = { where: at, text: key, lenient: true, ...(schemaUri !== undefined && { schemaUri }) }
    const target = path && resolvePatchTarget(schema, path, options)
    if (target?.kind === 'schema' && !target.extension && schemaUri === undefined && isJsonObject(item)) {
      const inner = splitValue(schema, members, op, item, index, at, target.schemaId)
      changes.push(...inner.changes)
      if (Object.keys(inner.rest).length > 0) rest[key] = inner.rest
    } else if (target?.kind === 'attribute' && target.resolved.attribute === members.attribute) {
      if (target.subAttribute !== undefined || target.valueFilter !== undefined) {
        throw mutability(`${at}: members are immutable; list whole members under 'members'`)
      }
      changes.push({ kind: op, members: memberList(item, at), index })
    } else {
      rest[key] = item
    }
  }
  return { rest, changes }
}

/** The members a value lists, each with a string `value` and a canonical `type`, without repeats. */
function memberList(value: unknown, where: string): MemberReference[] {
  const items = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]
  const seen = new Set<string>()
  const list: MemberReference[] = []
  items.forEach((given: unknown, i) => {
    const at = `${where}[${i}]`
    // A bare id stands for `{ value }`, as in `coerceAttributeValue` (Entra sends `members: ["id"]`).
    const item = typeof given === 'string' ? { value: given } : given
    if (!isJsonObject(item)) {
      throw invalidValue(`${at}: expected an object with 'value', the id of the member`)
    }
    const id = getMember(item, 'value')
    if (id === undefined || id === null || id === '') throw invalidValue(`${at}: 'value' is required`)
    if (typeof id !== 'string') throw invalidValue(`${at}: 'value' must be a string, the id of the member`)
    const unstorable = unstorableText(id)
    if (unstorable !== undefined) throw invalidValue(`${at}.value: contains ${unstorable}, which cannot be stored`)
    const typeText = getMember(item, 'type')
    let type: MemberReference['type']
    if (typeText !== undefined && typeText !== null) {
      type = typeof typeText === 'string' ? MEMBER_TYPES.get(typeText.toLowerCase()) : undefined
      if (type === undefined) {
        throw invalidValue(`${at}.type: expected 'User' or 'Group', found ${JSON.stringify(typeText)}`)
      }
    }
    if (seen.has(id)) return
    seen.add(id)
    list.push(type === undefined ? { value: id } : { value: id, type })
  })
  return list
}
