import type { Member, StoredResource } from '../store/contract.js'
import { memberValues, renderResource } from './render.js'

/** A compiled `attributes`/`excludedAttributes` projection (RFC 7644 §3.9). */
export type Project = (resource: Record<string, unknown>) => Record<string, unknown>

/** How the projection shows `members`: not at all, whole, or only some sub-attributes. */
type MemberShape =
  | { readonly kind: 'hidden' }
  | { readonly kind: 'whole' }
  | { readonly kind: 'some'; readonly names: readonly string[] }

/** A member with every sub-attribute, to learn what the projection keeps of one. */
const PROBE: Member = { value: 'probe', type: 'User', display: 'probe' }

const text = (key: string, value: unknown) => `${JSON.stringify(key)}:${JSON.stringify(value)}`

/**
 * The JSON text of a group with its members, written in parts so that the members can come
 * page by page: `head()`, then `members(page)` for each page in order, then `tail()`. The parts
 * joined are exactly `JSON.stringify(project(renderResource(group, { members }, baseUrl)))` for
 * the concatenated pages: same keys in the same order, `members` where rendering puts it
 * (before `meta`), and no `members` key when the projection leaves none.
 */
export class GroupJsonWriter {
  readonly #before: string[] = []
  readonly #after: string[] = []
  readonly #shape: MemberShape
  readonly #userRef: string
  readonly #groupRef: string
  readonly #baseUrl: string
  #opened = false

  constructor(group: StoredResource, baseUrl: string, project: Project) {
    // One rendering with a probe member tells where `members` goes and what of it is kept;
    // projection keeps or trims each member alike, whatever its values.
    const rendered = renderResource(group, { members: [PROBE] }, baseUrl)
    const projected = project(rendered)
    const keys = Object.keys(projected)
    const at = keys.indexOf('members')
    for (const [i, key] of keys.entries()) {
      if (i !== at) (at === -1 || i < at ? this.#before : this.#after).push(text(key, projected[key]))
    }
    const shown = projected.members
    if (at === -1 || !Array.isArray(shown)) this.#shape = { kind: 'hidden' }
    else if (shown === rendered.members) this.#shape = { kind: 'whole' }
    else this.#shape = { kind: 'some', names: Object.keys((shown[0] ?? {}) as object) }
    this.#baseUrl = baseUrl
    // `$ref` is the escaped endpoint URL followed by the escaped value (which starts with `"`).
    this.#userRef = JSON.stringify(`${baseUrl}/Users/`).slice(0, -1)
    this.#groupRef = JSON.stringify(`${baseUrl}/Groups/`).slice(0, -1)
  }

  /** Whether the projection shows members at all; when not, there is nothing to stream. */
  get showsMembers(): boolean {
    return this.#shape.kind !== 'hidden'
  }

  /** The attributes before `members`, without a closing brace. */
  head(): string {
    return `{${this.#before.join(',')}`
  }

  /** A page of members, opening the `members` array before the first one shown. */
  members(page: readonly Member[]): string {
    const shape = this.#shape
    if (shape.kind === 'hidden') return ''
    // Appending is cheaper than an array and join() for pages of members.
    let out = ''
    for (const member of page) {
      const item = shape.kind === 'whole' ? this.#whole(member) : this.#some(member, shape.names)
      if (item === undefined) continue
      if (this.#opened) out += ','
      else {
        out += `${this.#before.length ? ',' : ''}"members":[`
        this.#opened = true
      }
      out += item
    }
    return out
  }

  /** Closes `members` and writes the attributes after it (`meta`). */
  tail(): string {
    let out = ''
    if (this.#opened) out = ']'
    // renderResource gives an empty group `members: []`, kept as is unless trimmed per member.
    else if (this.#shape.kind === 'whole') out = `${this.#before.length ? ',' : ''}"members":[]`
    const written = this.#before.length > 0 || out !== ''
    if (this.#after.length) out += `${written ? ',' : ''}${this.#after.join(',')}`
    return `${out}}`
  }

  /** renderResource's member: value, $ref, type, display when known. */
  #whole(member: Member): string {
    const value = JSON.stringify(member.value)
    const ref = member.type === 'Group' ? this.#groupRef : this.#userRef
    const item = '{"value":' + value + ',"$ref":' + ref + value.slice(1) + ',"type":' + JSON.stringify(member.type)
    return member.display === undefined ? item + '}' : item + ',"display":' + JSON.stringify(member.display) + '}'
  }

  /** The projection's trim of one member: the kept sub-attributes it has, or none at all. */
  #some(member: Member, names: readonly string[]): string | undefined {
    const full = memberValues([member], this.#baseUrl)[0]!
    const parts: string[] = []
    for (const name of names) {
      const value = full[name]
      if (value !== undefined) parts.push(text(name, value))
    }
    return parts.length ? `{${parts.join(',')}}` : undefined
  }
}
