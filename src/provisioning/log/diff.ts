/**
 * The provisioning log's attribute-level diff of a write: one change per attribute whose value
 * differs, with a complex attribute (`name`, an extension such as the enterprise User's) taken
 * apart into its sub-attributes (`name.givenName`, `urn:…:User:employeeNumber`), and
 * multi-valued attributes (`emails`) compared and shown whole. `password` is never shown: a
 * change of it is listed with both sides masked.
 */
import type { LogChange } from '../../store/records/provisioning-log.js'
import type { MemberDelta } from '../resources.js'
import { sameDocument } from '../same-document.js'

export const MASK = '********'

/** Member ids listed per side of a members change; the counts say how many there were. */
export const MAX_LISTED_MEMBERS = 100

/** Keys the server keeps, not attributes a client changes. */
const SKIPPED = new Set(['schemas', 'meta', 'id'])

type Document = Readonly<Record<string, unknown>>

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** `before` undefined: a create; `after` undefined: a delete. */
export function documentChanges(before: Document | undefined, after: Document | undefined): LogChange[] {
  const changes: LogChange[] = []
  compare('', before ?? {}, after ?? {}, changes, true)
  return changes
}

function compare(prefix: string, before: Document, after: Document, into: LogChange[], top: boolean): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  for (const key of keys) {
    if (top && SKIPPED.has(key)) continue
    const name = prefix === '' ? key : prefix.startsWith('urn:') ? `${prefix}:${key}` : `${prefix}.${key}`
    const b = before[key]
    const a = after[key]
    if (top && key.toLowerCase() === 'password') {
      if (b !== a) into.push(masked(name, b, a))
      continue
    }
    // One level down: `name.givenName`, an extension's attributes (a manager stays whole).
    if (top && (isObject(b) || b === undefined) && (isObject(a) || a === undefined) && (isObject(a) || isObject(b))) {
      compare(key, (b as Document | undefined) ?? {}, (a as Document | undefined) ?? {}, into, false)
      continue
    }
    if (sameDocument(b, a)) continue
    into.push({ attribute: name, ...(b !== undefined && { before: b }), ...(a !== undefined && { after: a }) })
  }
}

const masked = (attribute: string, before: unknown, after: unknown): LogChange => ({
  attribute,
  ...(before !== undefined && { before: MASK }),
  ...(after !== undefined && { after: MASK }),
})

/** A group's members as one change: ids added and removed, each list cut at MAX_LISTED_MEMBERS. */
export function memberChange(delta: Pick<MemberDelta, 'added' | 'removed' | 'cleared'>): LogChange | undefined {
  const added = [...new Set(delta.added)]
  const removed = [...new Set(delta.removed)]
  if (added.length === 0 && removed.length === 0 && !delta.cleared) return undefined
  return {
    attribute: 'members',
    ...(delta.cleared && { cleared: true }),
    ...(added.length > 0 && { added: added.slice(0, MAX_LISTED_MEMBERS) }),
    ...(added.length > MAX_LISTED_MEMBERS && { addedCount: added.length }),
    ...(removed.length > 0 && { removed: removed.slice(0, MAX_LISTED_MEMBERS) }),
    ...(removed.length > MAX_LISTED_MEMBERS && { removedCount: removed.length }),
  }
}
