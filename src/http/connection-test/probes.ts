/**
 * The calls Entra ID and Okta make when an administrator clicks "Test connection" and starts
 * the first sync, in the shapes each sends them (docs/idp-compatibility.md): discovery, a
 * search for a userName that does not exist, a create, a lookup, a PATCH, the same for a group
 * with the user as its member, then deactivation and deletion. dry-run.ts runs them against
 * the tenant's real SCIM handlers and rolls everything back.
 */
import { randomBytes } from 'node:crypto'

export const CONNECTION_TEST_IDPS = ['entra', 'okta'] as const
export type ConnectionTestIdp = (typeof CONNECTION_TEST_IDPS)[number]

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** What a probe learnt from earlier answers: the ids the server gave. */
export interface ProbeState {
  readonly userName: string
  readonly groupName: string
  userId?: string
  groupId?: string
}

export interface ProbeAnswer {
  readonly status: number
  readonly body: unknown
}

export interface Probe {
  readonly name: string
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path(state: ProbeState): string
  body?(state: ProbeState): unknown
  /** The status that means success, and what the answer says: a failure's reason, or the result. */
  readonly expect: number
  /** Another status that is success too, and what it means. */
  readonly tolerated?: { readonly status: number; readonly result: string }
  check?(answer: ProbeAnswer, state: ProbeState): { ok: true; result: string } | { ok: false; result: string }
}

/** The User-Agent each IdP sends, so the provisioning log would detect it as that IdP. */
export const USER_AGENTS: Readonly<Record<ConnectionTestIdp, string>> = {
  entra: 'Azure Active Directory SCIM Provisioning (Roster connection test)',
  okta: 'OKTA SCIM Integration (Roster connection test)',
}

/** A userName and group name no one has: random, and marked as the test's. */
export function newProbeState(): ProbeState {
  // Short enough for any tenant's login rule: a login is at most 39 characters with its short code.
  const tag = randomBytes(4).toString('hex')
  return { userName: `roster-test-${tag}@example.invalid`, groupName: `Roster connection test ${tag}` }
}

const q = (value: string) => encodeURIComponent(`"${value}"`)
const field = (body: unknown, name: string): unknown => (body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined)

const emptySearch = (what: string) => (answer: ProbeAnswer) => {
  const total = field(answer.body, 'totalResults')
  return total === 0
    ? { ok: true as const, result: `no ${what} matches, as the IdP expects before it creates one` }
    : { ok: false as const, result: `expected totalResults 0, got ${JSON.stringify(total)}` }
}

const created = (key: 'userId' | 'groupId') => (answer: ProbeAnswer, state: ProbeState) => {
  const id = field(answer.body, 'id')
  if (typeof id !== 'string') return { ok: false as const, result: 'the answer has no id' }
  state[key] = id
  return { ok: true as const, result: `created with id ${id}` }
}

const userIs = (active: boolean) => (answer: ProbeAnswer) => {
  const got = field(answer.body, 'active')
  return got === active
    ? { ok: true as const, result: `active is ${active}` }
    : { ok: false as const, result: `expected active ${active}, got ${JSON.stringify(got)}` }
}

/**
 * Under the deactivation policy `remove`, deactivating took the user away already; both IdPs
 * treat a 404 to their DELETE as done.
 */
const REMOVED = { status: 404, result: "already gone: the tenant's deactivation policy removed the user when it was deactivated" }

function discovery(): Probe[] {
  return [
    { name: 'Read the service provider configuration', method: 'GET', path: () => '/ServiceProviderConfig', expect: 200 },
    {
      name: 'Read the schemas',
      method: 'GET',
      path: () => '/Schemas',
      expect: 200,
      check: (a) => {
        const ids = ((field(a.body, 'Resources') as { id?: unknown }[] | undefined) ?? []).map((s) => s.id)
        return ids.includes(USER_SCHEMA) && ids.includes(GROUP_SCHEMA)
          ? { ok: true, result: `${ids.length} schemas, User and Group among them` }
          : { ok: false, result: 'the User or Group schema is missing' }
      },
    },
  ]
}

function entra(): Probe[] {
  const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })
  return [
    ...discovery(),
    { name: 'Search for the user', method: 'GET', path: (s) => `/Users?filter=userName+eq+${q(s.userName)}`, expect: 200, check: emptySearch('user') },
    {
      name: 'Create the user',
      method: 'POST',
      path: () => '/Users',
      // Entra's own create: string boolean, a work email marked primary, an externalId.
      body: (s) => ({
        schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: s.userName.split('@')[0],
        userName: s.userName,
        active: 'True',
        displayName: 'Connection Test',
        emails: [{ primary: true, type: 'work', value: s.userName }],
        name: { formatted: 'Connection Test', familyName: 'Test', givenName: 'Connection' },
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Roster' },
      }),
      expect: 201,
      check: created('userId'),
    },
    { name: 'Look the user up', method: 'GET', path: (s) => `/Users/${s.userId ?? '{id}'}`, expect: 200, check: userIs(true) },
    {
      name: 'Update the user',
      method: 'PATCH',
      path: (s) => `/Users/${s.userId ?? '{id}'}`,
      body: () => patch({ op: 'Replace', path: 'displayName', value: 'Connection Test (updated)' }, { op: 'Add', path: 'title', value: 'Tester' }),
      expect: 200,
    },
    { name: 'Search for the group', method: 'GET', path: (s) => `/Groups?filter=displayName+eq+${q(s.groupName)}`, expect: 200, check: emptySearch('group') },
    {
      name: 'Create the group',
      method: 'POST',
      path: () => '/Groups',
      body: (s) => ({ schemas: [GROUP_SCHEMA], externalId: s.groupName, displayName: s.groupName, members: [] }),
      expect: 201,
      check: created('groupId'),
    },
    { name: 'Look the group up', method: 'GET', path: (s) => `/Groups/${s.groupId ?? '{id}'}?excludedAttributes=members`, expect: 200 },
    // Entra expects 204 from a group PATCH (it sends no attributes).
    { name: 'Add the user to the group', method: 'PATCH', path: (s) => `/Groups/${s.groupId ?? '{id}'}`, body: (s) => patch({ op: 'Add', path: 'members', value: [{ value: s.userId ?? '{id}' }] }), expect: 204 },
    { name: 'Remove the user from the group', method: 'PATCH', path: (s) => `/Groups/${s.groupId ?? '{id}'}`, body: (s) => patch({ op: 'Remove', path: 'members', value: [{ value: s.userId ?? '{id}' }] }), expect: 204 },
    { name: 'Delete the group', method: 'DELETE', path: (s) => `/Groups/${s.groupId ?? '{id}'}`, expect: 204 },
    // Entra's deactivation: a string boolean, not the JSON false.
    { name: 'Deactivate the user', method: 'PATCH', path: (s) => `/Users/${s.userId ?? '{id}'}`, body: () => patch({ op: 'Replace', path: 'active', value: 'False' }), expect: 200, check: userIs(false) },
    { name: 'Delete the user', method: 'DELETE', path: (s) => `/Users/${s.userId ?? '{id}'}`, expect: 204, tolerated: REMOVED },
  ]
}

function okta(): Probe[] {
  const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })
  return [
    ...discovery(),
    { name: 'Search for the user', method: 'GET', path: (s) => `/Users?filter=userName+eq+${q(s.userName)}&startIndex=1&count=100`, expect: 200, check: emptySearch('user') },
    {
      name: 'Create the user',
      method: 'POST',
      path: () => '/Users',
      // Okta's documented create: JSON booleans, an empty groups list, a password it generated.
      body: (s) => ({
        schemas: [USER_SCHEMA],
        userName: s.userName,
        name: { givenName: 'Connection', familyName: 'Test' },
        emails: [{ primary: true, value: s.userName, type: 'work' }],
        displayName: 'Connection Test',
        locale: 'en-US',
        externalId: randomBytes(10).toString('hex'),
        groups: [],
        password: `Rt-${randomBytes(12).toString('base64url')}`,
        active: true,
      }),
      expect: 201,
      check: created('userId'),
    },
    { name: 'Look the user up', method: 'GET', path: (s) => `/Users/${s.userId ?? '{id}'}`, expect: 200, check: userIs(true) },
    {
      name: 'Update the user',
      method: 'PATCH',
      path: (s) => `/Users/${s.userId ?? '{id}'}`,
      // Okta's profile push: one replace without a path, its value the changed attributes.
      body: () => patch({ op: 'replace', value: { displayName: 'Connection Test (updated)', name: { givenName: 'Connection', familyName: 'Tested' } } }),
      expect: 200,
    },
    { name: 'Search for the group', method: 'GET', path: (s) => `/Groups?filter=displayName+eq+${q(s.groupName)}&startIndex=1&count=100`, expect: 200, check: emptySearch('group') },
    {
      name: 'Create the group',
      method: 'POST',
      path: () => '/Groups',
      body: (s) => ({ schemas: [GROUP_SCHEMA], displayName: s.groupName, members: [] }),
      expect: 201,
      check: created('groupId'),
    },
    { name: 'Look the group up', method: 'GET', path: (s) => `/Groups/${s.groupId ?? '{id}'}`, expect: 200 },
    {
      name: 'Add the user to the group',
      method: 'PATCH',
      path: (s) => `/Groups/${s.groupId ?? '{id}'}`,
      body: (s) => patch({ op: 'add', path: 'members', value: [{ value: s.userId ?? '{id}', display: s.userName }] }),
      expect: 204,
    },
    {
      name: 'Remove the user from the group',
      method: 'PATCH',
      path: (s) => `/Groups/${s.groupId ?? '{id}'}`,
      body: (s) => patch({ op: 'remove', path: `members[value eq "${s.userId ?? '{id}'}"]` }),
      expect: 204,
    },
    { name: 'Delete the group', method: 'DELETE', path: (s) => `/Groups/${s.groupId ?? '{id}'}`, expect: 204 },
    // Okta deactivates with a path-less replace too.
    { name: 'Deactivate the user', method: 'PATCH', path: (s) => `/Users/${s.userId ?? '{id}'}`, body: () => patch({ op: 'replace', value: { active: false } }), expect: 200, check: userIs(false) },
    { name: 'Delete the user', method: 'DELETE', path: (s) => `/Users/${s.userId ?? '{id}'}`, expect: 204, tolerated: REMOVED },
  ]
}

export function probesFor(idp: ConnectionTestIdp): Probe[] {
  return idp === 'entra' ? entra() : okta()
}
