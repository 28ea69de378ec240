import { randomIndex, type Rng } from './rng.js'

/** One HTTP request as the load generator sends it; `path` includes the query string. */
export interface PlannedRequest {
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  body?: string
  /** Sent after this one answers 2xx, on the same lane (a client's lookup-then-create). */
  then?: PlannedRequest
}

/** The filter attributes a lookup can use; both are set on every user the benchmark creates. */
export type LookupAttribute = 'userName' | 'externalId'

/**
 * A serialisable description of the requests of one run, expanded request by request in the
 * load generator's process (so 100,000 create bodies never cross the IPC channel).
 * `base` is the SCIM base path, e.g. `/scim/v2/organizations/bench`.
 */
export type RequestPlan =
  /** Request k creates the user numbered `first + k`. */
  | { kind: 'createUser'; base: string; userNamePrefix: string; first: number }
  /** Request k creates users `first + k * size` onward, `size` per POST /Bulk (RFC 7644 §3.7). */
  | { kind: 'bulkCreateUsers'; base: string; userNamePrefix: string; first: number; size: number; total: number }
  /** `userName eq` (or `attribute eq`) lookups of users numbered in [0, population), at random. */
  | {
      kind: 'lookupUser'
      base: string
      userNamePrefix: string
      population: number
      attribute?: LookupAttribute
    }
  /**
   * Entra-style first sync of user `first + k`: `externalId eq` lookup, then (on 2xx) the
   * create, as Entra ID does for a user it has not matched yet.
   */
  | { kind: 'syncUser'; base: string; userNamePrefix: string; first: number }
  /** Pages of `count` at a random `startIndex` among `totalResults` (RFC 7644 §3.4.2.4). */
  | { kind: 'page'; base: string; totalResults: number; count: number }
  /** The same request again and again, for a timed phase. */
  | { kind: 'repeat'; request: PlannedRequest }
  /** Exactly these requests, in order; the run ends when they are all sent. */
  | { kind: 'list'; requests: readonly PlannedRequest[] }

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

export function userName(prefix: string, n: number): string {
  return `${prefix}${n}@example.test`
}

export function externalId(prefix: string, n: number): string {
  return `ext-${prefix}${n}`
}

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'

/** A User resource shaped like what an IdP sends on first provisioning. */
export function userBody(prefix: string, n: number): string {
  const name = userName(prefix, n)
  return JSON.stringify({
    schemas: [USER_SCHEMA],
    userName: name,
    externalId: externalId(prefix, n),
    name: { givenName: 'Bench', familyName: `User ${n}` },
    displayName: `Bench User ${n}`,
    emails: [{ value: name, type: 'work', primary: true }],
    active: true,
  })
}

export function groupBody(displayName: string): string {
  return JSON.stringify({ schemas: [GROUP_SCHEMA], displayName })
}

/** RFC 7644 §3.5.2.1: add to the multi-valued `members` attribute. */
export function addMembersBody(memberIds: readonly string[]): string {
  return JSON.stringify({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }],
  })
}

/** RFC 7644 §3.5.2.3: what an IdP sends to disable (false) or re-enable (true) a user. */
export function activeBody(active: boolean): string {
  return JSON.stringify({
    schemas: [PATCH_OP_SCHEMA],
    Operations: [{ op: 'replace', path: 'active', value: active }],
  })
}

/** RFC 7644 §3.7.1: POSTs of users `first`..`first + count - 1`, bulkId `u<n>` for user n. */
export function bulkCreateBody(prefix: string, first: number, count: number): string {
  const Operations = Array.from({ length: count }, (_, i) => ({
    method: 'POST',
    path: '/Users',
    bulkId: `u${first + i}`,
    data: JSON.parse(userBody(prefix, first + i)) as unknown,
  }))
  return JSON.stringify({ schemas: [BULK_REQUEST_SCHEMA], Operations })
}

/** Users created by request k of a bulk plan (the last request may carry fewer). */
export function bulkSize(plan: { first: number; size: number; total: number }, k: number): number {
  return Math.max(0, Math.min(plan.size, plan.total - k * plan.size))
}

export function lookupPath(base: string, attribute: LookupAttribute, value: string): string {
  return `${base}/Users?filter=${encodeURIComponent(`${attribute} eq "${value}"`)}`
}

/** How many requests the plan can produce, or undefined when it is unbounded. */
export function planLength(plan: RequestPlan): number | undefined {
  if (plan.kind === 'list') return plan.requests.length
  if (plan.kind === 'bulkCreateUsers') return Math.ceil(plan.total / plan.size)
  return undefined
}

/** The k-th request of a run (k counts from 0 across warm-up and measurement). */
export function requestAt(plan: RequestPlan, k: number, rng: Rng): PlannedRequest {
  switch (plan.kind) {
    case 'createUser':
      return {
        method: 'POST',
        path: `${plan.base}/Users`,
        body: userBody(plan.userNamePrefix, plan.first + k),
      }
    case 'bulkCreateUsers': {
      const first = plan.first + k * plan.size
      return {
        method: 'POST',
        path: `${plan.base}/Bulk`,
        body: bulkCreateBody(plan.userNamePrefix, first, bulkSize(plan, k)),
      }
    }
    case 'lookupUser': {
      const n = randomIndex(rng, plan.population)
      const attribute = plan.attribute ?? 'userName'
      const value = attribute === 'userName' ? userName(plan.userNamePrefix, n) : externalId(plan.userNamePrefix, n)
      return { method: 'GET', path: lookupPath(plan.base, attribute, value) }
    }
    case 'syncUser': {
      const n = plan.first + k
      return {
        method: 'GET',
        path: lookupPath(plan.base, 'externalId', externalId(plan.userNamePrefix, n)),
        then: { method: 'POST', path: `${plan.base}/Users`, body: userBody(plan.userNamePrefix, n) },
      }
    }
    case 'page': {
      // A full page whenever the directory holds at least `count` resources.
      const lastStart = Math.max(1, plan.totalResults - plan.count + 1)
      const startIndex = 1 + randomIndex(rng, lastStart)
      return { method: 'GET', path: `${plan.base}/Users?startIndex=${startIndex}&count=${plan.count}` }
    }
    case 'repeat':
      return plan.request
    case 'list': {
      const request = plan.requests[k]
      if (request === undefined) throw new RangeError(`list plan has no request ${k}`)
      return request
    }
    default: {
      const never: never = plan
      throw new TypeError(`unknown plan ${JSON.stringify(never)}`)
    }
  }
}
