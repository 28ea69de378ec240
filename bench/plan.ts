import { randomIndex, type Rng } from './rng.js'

/** One HTTP request as the load generator sends it; `path` includes the query string. */
export interface PlannedRequest {
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  body?: string
}

/**
 * A serialisable description of the requests of one run, expanded request by request in the
 * load generator's process (so 100,000 create bodies never cross the IPC channel).
 * `base` is the SCIM base path, e.g. `/scim/v2/organizations/bench`.
 */
export type RequestPlan =
  /** Request k creates the user numbered `first + k`. */
  | { kind: 'createUser'; base: string; userNamePrefix: string; first: number }
  /** `userName eq` lookups of users numbered in [0, population), chosen at random. */
  | { kind: 'lookupUser'; base: string; userNamePrefix: string; population: number }
  /** Pages of `count` at a random `startIndex` among `totalResults` (RFC 7644 §3.4.2.4). */
  | { kind: 'page'; base: string; totalResults: number; count: number }
  /** Exactly these requests, in order; the run ends when they are all sent. */
  | { kind: 'list'; requests: readonly PlannedRequest[] }

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

export function userName(prefix: string, n: number): string {
  return `${prefix}${n}@example.test`
}

/** A User resource shaped like what an IdP sends on first provisioning. */
export function userBody(prefix: string, n: number): string {
  const name = userName(prefix, n)
  return JSON.stringify({
    schemas: [USER_SCHEMA],
    userName: name,
    externalId: `ext-${prefix}${n}`,
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

/** How many requests the plan can produce, or undefined when it is unbounded. */
export function planLength(plan: RequestPlan): number | undefined {
  return plan.kind === 'list' ? plan.requests.length : undefined
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
    case 'lookupUser': {
      const filter = `userName eq "${userName(plan.userNamePrefix, randomIndex(rng, plan.population))}"`
      return { method: 'GET', path: `${plan.base}/Users?filter=${encodeURIComponent(filter)}` }
    }
    case 'page': {
      // A full page whenever the directory holds at least `count` resources.
      const lastStart = Math.max(1, plan.totalResults - plan.count + 1)
      const startIndex = 1 + randomIndex(rng, lastStart)
      return { method: 'GET', path: `${plan.base}/Users?startIndex=${startIndex}&count=${plan.count}` }
    }
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
