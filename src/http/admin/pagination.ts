/**
 * Pages of the admin API: `?limit=` and `?cursor=` in, `{ items, nextCursor }` out. The store
 * pages by a numeric position (`Page.next`); lists the store returns whole are paged here by
 * offset. A cursor carries the position and the list it belongs to (route, tenant, filters),
 * signed so that an edited or made-up cursor is a 400, not a silent jump or a 500.
 *
 * The signing key is the SHA-256 of the caller's admin token, as stored: every process serving
 * the database knows it (no key of its own to share across workers or restarts), a cursor
 * works only for the token it was given to, and only that token's holder could forge one,
 * which would gain nothing: a position inside a list the token may read whole anyway.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import Type, { type TSchema } from 'typebox'
import { invalidCursor } from '../../scim/errors.js'
import type { Page } from '../../store/records/account.js'
import { adminTokenOf } from './auth.js'

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 500
const MAC_BYTES = 16
/** Cursors are short; anything longer is not one of ours, and is refused before any work. */
const MAX_CURSOR = 512

/** The query parameters of every list. */
export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `Items per page, 1 to ${MAX_LIMIT}` }),
  ),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_CURSOR, description: 'The nextCursor of the previous page; opaque' }),
  ),
}

/** The body of every list. */
export const Paged = <T extends TSchema>(item: T, description: string) =>
  Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Optional(Type.String({ description: 'Pass as ?cursor= for the next page; absent on the last page' })),
    },
    { description },
  )

export interface PageBody<T> {
  items: T[]
  nextCursor?: string
}

export interface Paging {
  readonly limit: number
  /** Where the page starts: a position the store gave (`Page.next`), or undefined for the first page. */
  readonly after: number | undefined
  /** The response for a page read from `after`. */
  body<T>(page: Page<T>): PageBody<T>
  /** A page of a list read whole, by offset. */
  slice<T>(all: readonly T[]): PageBody<T>
  /**
   * The second part of a two-part position, when the cursor carried one: a walk of a group's
   * members also remembers where the group ended when the walk began (`MemberPosition.until`).
   */
  readonly until: number | undefined
  /** The response for a page whose next position has two parts (`walkBody`'s pair comes back as `after`, `until`). */
  walkBody<T>(items: T[], next: { after: number; until: number } | undefined): PageBody<T>
}

const refused = () =>
  invalidCursor('cursor: not a cursor this server gave for this list; leave it out to start at the first page, or pass a nextCursor unchanged')

/**
 * The paging of a list request. `scope` is what the list depends on besides its route and
 * query (the tenant's id): a cursor for one list is refused by every other.
 */
export function pagingOf(request: FastifyRequest, scope: string): Paging {
  const query = request.query as { limit?: number; cursor?: string } & Record<string, unknown>
  const { limit = DEFAULT_LIMIT, cursor, ...filters } = query
  const key = Buffer.from(adminTokenOf(request).hash, 'hex')
  const params = { ...(request.params as Record<string, unknown>) }
  delete params.t
  const list = createHash('sha256')
    .update(JSON.stringify([request.routeOptions.url, scope, sorted(params), sorted(filters)]))
    .digest('base64url')
    .slice(0, 16)
  const position = cursor === undefined ? undefined : decode(key, list, cursor)
  const after = position?.p
  const encode = (position: number, until?: number) => {
    const body = Buffer.from(JSON.stringify({ l: list, p: position, ...(until !== undefined && { u: until }) })).toString('base64url')
    return `${body}.${mac(key, body).toString('base64url')}`
  }
  const body = <T>(page: Page<T>): PageBody<T> =>
    page.next === undefined ? { items: page.items } : { items: page.items, nextCursor: encode(page.next) }
  return {
    limit,
    after,
    until: position?.u,
    body,
    walkBody: <T>(items: T[], next: { after: number; until: number } | undefined) =>
      next === undefined ? { items } : { items, nextCursor: encode(next.after, next.until) },
    slice: <T>(all: readonly T[]) => {
      const from = after ?? 0
      const end = from + limit
      return body({ items: all.slice(from, end), ...(end < all.length && { next: end }) })
    },
  }
}

function decode(key: Buffer, list: string, text: string): { p: number; u?: number } {
  const dot = text.indexOf('.')
  if (dot <= 0) throw refused()
  const body = text.slice(0, dot)
  const sent = Buffer.from(text.slice(dot + 1), 'base64url')
  if (sent.length !== MAC_BYTES || !timingSafeEqual(sent, mac(key, body))) throw refused()
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { l?: unknown; p?: unknown; u?: unknown }
  if (payload.l !== list) {
    throw invalidCursor('cursor: it belongs to another list, or to the same list with other filters; repeat the query that returned it')
  }
  if (!Number.isSafeInteger(payload.p) || (payload.p as number) < 0) throw refused()
  if (payload.u === undefined) return { p: payload.p as number }
  if (!Number.isSafeInteger(payload.u) || (payload.u as number) < 0) throw refused()
  return { p: payload.p as number, u: payload.u as number }
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES)

const sorted = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)))
