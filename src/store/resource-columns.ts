/**
 * What both stores write and read the same way for the `resources` table: the column list,
 * the type literal, the indexed copies of document values (and their length limit) and the
 * userName conflict error.
 * Only the SQL around them differs per dialect.
 */
import { invalidValue, uniqueness } from '../scim/errors.js'
import type { ResourceTypeId } from './contract.js'
import { fold } from './fold.js'

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

/** RFC 7644 §3.3: a taken userName is 409 `uniqueness`; the database's unique index decides. */
export const userNameTaken = (document: Record<string, unknown>) =>
  uniqueness(`userName ${JSON.stringify(document.userName)} is already taken`)
