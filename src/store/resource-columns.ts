/**
 * What every store writes and reads the same way for the `resources` table: the column list,
 * the type literal, the indexed copies of document values (and their length limit), what a
 * database can store at all, and the userName conflict error.
 */
import { invalidValue, uniqueness } from '../scim/errors.js'
import { foldCase as fold } from '../scim/fold-case.js'
import { unstorableText } from '../scim/json/unicode-text.js'
import type { NewResource, ResourceTypeId } from './contract.js'
import type { UniqueKey } from './sql/dialect.js'

export const RESOURCE_COLUMNS = 'r.id, r.resource_type, r.version, r.created, r.last_modified, r.document'

/** The partial index on userName applies only when the query names the type as a literal. */
const TYPE_LITERAL: Readonly<Record<ResourceTypeId, string>> = { User: "'User'", Group: "'Group'" }

export function typeLiteral(type: string): string {
  const literal = TYPE_LITERAL[type as ResourceTypeId]
  if (literal === undefined) throw new TypeError(`unknown resource type ${JSON.stringify(type)}`)
  return literal
}

/**
 * The longest value an indexed column takes, in UTF-8 bytes. PostgreSQL refuses a B-tree entry
 * over 2,704 bytes (a page third); both stores refuse the same values, so a resource that one
 * accepts the other does too. Real values are far shorter: Entra caps userPrincipalName at 113
 * characters and displayName at 256; an email address is at most 320.
 */
export const MAX_INDEXED_BYTES = 2_000

const INDEXED = ['userName', 'externalId', 'displayName'] as const

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** 400 `invalidValue` when an indexed attribute is longer than the stores index. */
function checkIndexable(document: Record<string, unknown>): void {
  for (const name of INDEXED) {
    const value = document[name]
    // Cheap test first: a string of n UTF-16 units has at most 3n UTF-8 bytes.
    if (typeof value !== 'string' || value.length * 3 <= MAX_INDEXED_BYTES) continue
    const bytes = Buffer.byteLength(value, 'utf8')
    if (bytes > MAX_INDEXED_BYTES)
      throw invalidValue(`${name}: ${bytes} bytes long; at most ${MAX_INDEXED_BYTES} bytes (UTF-8) can be stored`)
  }
}

/**
 * The indexed copies of document values (see the migrations), in statement order:
 * user_name, user_name_fold, external_id, display_name, display_name_fold, active.
 */
export function indexedValues(document: Record<string, unknown>): [string | null, string | null, string | null, string | null, string | null, boolean | null] {
  checkIndexable(document)
  const userName = text(document.userName)
  const displayName = text(document.displayName)
  return [
    userName,
    userName === null ? null : fold(userName),
    text(document.externalId),
    displayName,
    displayName === null ? null : fold(displayName),
    typeof document.active === 'boolean' ? document.active : null,
  ]
}

/** The unique index on (tenant_id, user_name_fold) that decides whether a userName is taken. */
export const USER_NAME_KEY: UniqueKey = { name: 'resources_user_name', column: 'resources.user_name_fold' }

/**
 * Text that no store may hold differently (`unstorableText`): the protocol core refuses it in
 * every document it validates, and the stores refuse it again for whatever else reaches them, so
 * a resource one store accepts the other accepts too. No stored id or name holds it, so a lookup
 * by such a key finds nothing without asking the database.
 */
export const storableKey = (key: string): boolean => unstorableText(key) === undefined

/** JSON.stringify writes U+0000 as `\u0000` and an unpaired surrogate as `\udXXX`. */
const SUSPECT = /\\u0000|\\ud[89a-f]/i

/** A resource with what the store writes for it: its indexed columns and its JSON text. */
export interface StorableResource {
  readonly resource: NewResource
  readonly indexed: ReturnType<typeof indexedValues>
  readonly document: string
}

/** 400 `invalidValue` when the document holds what cannot be stored (see `storableKey`, `MAX_INDEXED_BYTES`). */
export const storable = (resource: NewResource): StorableResource => ({
  resource,
  indexed: indexedValues(resource.document),
  document: documentJson(resource.document),
})

/** The document as the JSON text a store keeps; 400 `invalidValue` when it cannot be stored. */
export function documentJson(document: Record<string, unknown>): string {
  const json = JSON.stringify(document)
  if (SUSPECT.test(json)) checkStorable(document, '')
  return json
}

function checkStorable(value: unknown, path: string): void {
  const where = path === '' ? 'the resource' : path
  if (typeof value === 'string') {
    const found = unstorableText(value)
    if (found !== undefined) throw invalidValue(`${where}: contains ${found}, which cannot be stored`)
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkStorable(v, `${path}[${i}]`))
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      checkStorable(key, path)
      checkStorable(v, path === '' ? key : `${path}.${key}`)
    }
  }
}

/** RFC 7644 §3.3: a taken userName is 409 `uniqueness`; the database's unique index decides. */
export const userNameTaken = (document: Record<string, unknown>) =>
  uniqueness(`userName ${JSON.stringify(document.userName)} is already taken`)
