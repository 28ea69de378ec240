/**
 * RFC 9865 cursors: opaque to the client, tamper-evident, bound to one query, and carrying the
 * sort key of the row they continue from (keyset pagination), so a page costs the same at any
 * depth and a walk neither skips nor repeats rows that were not changed meanwhile.
 *
 * Text: base64url(JSON payload) '.' base64url(HMAC-SHA-256 truncated to 128 bits). Both parts
 * use only RFC 3986 unreserved characters, as RFC 9865 §2 requires of a cursor. The key is kept
 * in the database (`roster_secrets`), so every process serving one database accepts the
 * cursors of the others, and restarts do not void them.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { expiredCursor, invalidCursor } from '../scim/errors.js'
import type { AttrPath, Filter } from '../scim/filter/ast.js'

/** How long a cursor stays valid (RFC 9865 §4 `cursorTimeout`), in seconds. */
export const CURSOR_TIMEOUT_SECONDS = 24 * 60 * 60

/** Where a page starts: the rows after (`next`) or before (`previous`) a row, or the first row. */
export interface CursorPosition {
  readonly direction: 'next' | 'previous'
  /** Absent: the start of the result. Otherwise the sort key and `seq` of the row. */
  readonly row?: { readonly key: unknown; readonly seq: number }
}

interface Payload {
  /** The query fingerprint (see queryFingerprint). */
  q: string
  d: 'n' | 'p'
  /** Expiry, seconds since the epoch. */
  x: number
  k?: unknown
  s?: number
}

const MAC_BYTES = 16

/** What a cursor is bound to: RFC 9865 §2 has every other parameter repeated identically. */
export function queryFingerprint(
  tenantId: string,
  resourceType: string,
  filter: Filter | undefined,
  sortBy: AttrPath | undefined,
  sortOrder: string | undefined,
): string {
  const sort = sortBy === undefined ? null : [sortBy, sortOrder === 'descending' ? 'd' : 'a']
  return createHash('sha256')
    .update(JSON.stringify([tenantId, resourceType, filter ?? null, sort]))
    .digest('base64url')
    .slice(0, 16)
}

/** The clock cursors are stamped and checked with; tests move it to see cursors expire. */
export const cursorClock = { now: (): number => Date.now() }

export class CursorCodec {
  readonly #key: Buffer

  constructor(key: Buffer) {
    this.#key = key
  }

  encode(fingerprint: string, position: CursorPosition): string {
    const payload: Payload = {
      q: fingerprint,
      d: position.direction === 'next' ? 'n' : 'p',
      x: Math.floor(cursorClock.now() / 1000) + CURSOR_TIMEOUT_SECONDS,
      ...(position.row && { k: position.row.key, s: position.row.seq }),
    }
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    return `${body}.${this.#mac(body).toString('base64url')}`
  }

  /** The position `text` names; 400 `invalidCursor` or `expiredCursor` when it cannot be used. */
  decode(fingerprint: string, text: string): CursorPosition {
    const dot = text.indexOf('.')
    const body = text.slice(0, dot)
    const mac = Buffer.from(text.slice(dot + 1), 'base64url')
    if (dot <= 0 || mac.length !== MAC_BYTES || !timingSafeEqual(mac, this.#mac(body))) {
      throw invalidCursor('cursor: not a cursor this server issued; start with an empty cursor or use a nextCursor value')
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload
    if (payload.q !== fingerprint) {
      throw invalidCursor(
        'cursor: it belongs to a different query; repeat the filter, sortBy and sortOrder of the request that returned it (RFC 9865 §2)',
      )
    }
    if (payload.x * 1000 <= cursorClock.now()) {
      throw expiredCursor(
        `cursor: expired; cursors are valid for ${CURSOR_TIMEOUT_SECONDS} seconds, start again with an empty cursor`,
      )
    }
    const direction = payload.d === 'p' ? 'previous' : 'next'
    return typeof payload.s === 'number' ? { direction, row: { key: payload.k ?? null, seq: payload.s } } : { direction }
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, MAC_BYTES)
  }
}
