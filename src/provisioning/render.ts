import type { GroupMembership, Member, StoredResource } from '../store/contract.js'

export interface Derived {
  readonly groups?: readonly GroupMembership[]
  readonly members?: readonly Member[]
}

const endpointOf = (type: string) => (type === 'Group' ? 'Groups' : 'Users')

/** The ETag of a version: weak, because the representation varies with projection (RFC 7232 §2.3). */
export const etagOf = (version: number): string => `W/"${version}"`

const groupValues = (groups: readonly GroupMembership[], baseUrl: string) =>
  groups.map((g) => ({
    value: g.value,
    $ref: `${baseUrl}/Groups/${g.value}`,
    ...(g.display !== undefined && { display: g.display }),
    type: g.type,
  }))

export const memberValues = (members: readonly Member[], baseUrl: string): Record<string, string>[] =>
  members.map((m) => ({
    value: m.value,
    $ref: `${baseUrl}/${endpointOf(m.type)}/${m.value}`,
    type: m.type,
    ...(m.display !== undefined && { display: m.display }),
  }))

const metaOf = (stored: StoredResource, baseUrl: string) => ({
  resourceType: stored.resourceType,
  created: stored.created,
  lastModified: stored.lastModified,
  location: `${baseUrl}/${endpointOf(stored.resourceType)}/${stored.id}`,
  version: etagOf(stored.version),
})

/**
 * A stored resource as a SCIM representation (RFC 7643 §3): the document plus `id`, `meta`
 * and the attributes derived from the membership table. `baseUrl` is the tenant's SCIM base.
 */
export function renderResource(stored: StoredResource, derived: Derived, baseUrl: string): Record<string, unknown> {
  const { schemas, password: _password, ...rest } = stored.document
  const out: Record<string, unknown> = { schemas, id: stored.id, ...rest }
  if (derived.groups) out.groups = groupValues(derived.groups, baseUrl)
  if (derived.members) out.members = memberValues(derived.members, baseUrl)
  out.meta = metaOf(stored, baseUrl)
  return out
}

/** Keys `renderResource` writes itself; a document holding one of them is not sent verbatim. */
const RENDERED = new Set(['id', 'groups', 'members', 'meta'])

/**
 * `JSON.stringify(project(renderResource(stored, derived, baseUrl)))` without parsing the
 * document into objects and serialising them again, when that gives the same text: the
 * stored JSON (`documentJson`) is sent as it is, `id` spliced in after `schemas`, the derived
 * attributes and `meta` appended. That holds when the text starts with `schemas` and the
 * projection passes every other top-level key through unchanged (`keeps`: no `password`,
 * nothing trimmed, no null the projection would drop). Otherwise undefined: render and
 * project instead. The keys are read from the text itself (`topLevelKeys`), so a lookup's
 * document is never parsed at all.
 */
export function renderedJson(
  stored: StoredResource,
  derived: Derived,
  baseUrl: string,
  keeps: (key: string) => boolean,
): string | undefined {
  const text = stored.documentJson
  if (text === undefined || !keeps('schemas') || !keeps('id') || !keeps('meta')) return undefined
  // Derived attributes the projection trims (not keeps whole) need the object path.
  if ((derived.groups && !keeps('groups')) || (derived.members && !keeps('members'))) return undefined
  const members = topLevelKeys(text)
  if (members === undefined || members.keys[0] !== 'schemas') return undefined
  for (let i = 1; i < members.keys.length; i++) {
    const key = members.keys[i]!
    // Render puts its own id, groups, members and meta.
    if (RENDERED.has(key) || !keeps(key)) return undefined
  }
  let json = `${text.slice(0, members.firstEnd)},"id":${JSON.stringify(stored.id)}${text.slice(members.firstEnd, -1)}`
  if (derived.groups) json += `,"groups":${listJson(groupValues(derived.groups, baseUrl))}`
  if (derived.members) json += `,"members":${listJson(memberValues(derived.members, baseUrl))}`
  return `${json},"meta":${JSON.stringify(metaOf(stored, baseUrl))}}`
}

const listJson = (values: readonly object[]) => (values.length === 0 ? '[]' : JSON.stringify(values))

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const BACKSLASH = 0x5c
const LOWER_N = 0x6e

/**
 * The top-level keys of JSON object text as JSON.stringify writes it (no whitespace), in
 * order, and where the first member's value ends. Undefined for anything else, for a key with
 * an escape (no attribute name has one) and for a `null` value (projection would drop it).
 */
export function topLevelKeys(text: string): { keys: string[]; firstEnd: number } | undefined {
  const n = text.length
  if (n < 2 || text.charCodeAt(0) !== OPEN_BRACE || text.charCodeAt(n - 1) !== CLOSE_BRACE) return undefined
  const keys: string[] = []
  let firstEnd = 1
  let i = 1
  if (n === 2) return { keys, firstEnd }
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined
    const close = text.indexOf('"', i + 1)
    if (close === -1) return undefined
    const key = text.slice(i + 1, close)
    if (key.includes('\\')) return undefined
    if (text.charCodeAt(close + 1) !== COLON || text.charCodeAt(close + 2) === LOWER_N) return undefined
    i = valueEnd(text, close + 2)
    if (i === -1) return undefined
    keys.push(key)
    if (keys.length === 1) firstEnd = i
    const c = text.charCodeAt(i)
    if (c === CLOSE_BRACE) return i === n - 1 ? { keys, firstEnd } : undefined
    if (c !== COMMA) return undefined
    i++
  }
}

/** Where the JSON value starting at `i` ends (the index after it), or -1. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === QUOTE) return stringEnd(text, i)
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    // A number, true or false: it runs to the next delimiter.
    let j = i
    for (let d = c; j < text.length && d !== COMMA && d !== CLOSE_BRACE && d !== CLOSE_BRACKET; d = text.charCodeAt(++j));
    return j === i ? -1 : j
  }
  let depth = 0
  for (let j = i; j < text.length; j++) {
    const d = text.charCodeAt(j)
    if (d === QUOTE) {
      j = stringEnd(text, j) - 1
      if (j < 0) return -1
    } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++
    else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return j + 1
  }
  return -1
}

/** The index after the JSON string whose opening quote is at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  for (let j = text.indexOf('"', i + 1); j !== -1; j = text.indexOf('"', j + 1)) {
    let backslashes = 0
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return j + 1
  }
  return -1
}
