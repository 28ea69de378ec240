import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { renderedJson, renderResource, topLevelKeys, type Derived } from '../provisioning/render.js'
import { parseAttributeList } from '../scim/schema/attribute-list.js'
import { coerceResource } from '../scim/schema/coerce.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import type { StoredResource } from '../store/contract.js'
import { projectionOf } from './projection.js'

const registry = defaultRegistry()
const USER = registry.require('User')
const GROUP = registry.require('Group')
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const BASE = 'https://scim.example.com/scim/v2/organizations/acme'

/** As the SQLite store lists a row: the document and its text as written. */
function stored(document: Record<string, unknown>, resourceType: 'User' | 'Group' = 'User'): StoredResource {
  return {
    id: '2819c223-7f76-453a-919d-413861904646',
    resourceType,
    version: 3,
    created: '2026-01-02T03:04:05.678Z',
    lastModified: '2026-02-03T04:05:06.789Z',
    document,
    documentJson: JSON.stringify(document),
  }
}

const user = (input: Record<string, unknown>) =>
  stored(coerceResource(USER, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...input }))

const USERS = {
  minimal: user({ userName: 'bjensen' }),
  typical: user({
    userName: 'bjensen@example.com',
    externalId: 'ext-"1"',
    name: { givenName: 'Barbara', familyName: 'Jensen\u2028é' },
    displayName: 'Babs',
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    active: true,
  }),
  enterprise: stored(
    coerceResource(USER, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: 'e',
      [ENTERPRISE]: { employeeNumber: '701984', manager: { value: 'm-1' } },
    }),
  ),
  // Only a hash is ever stored, and never returned (RFC 7643 §4.1.1).
  password: stored({ ...user({ userName: 'p' }).document, password: '$scrypt$hash' }),
  withNull: stored({ ...user({ userName: 'n' }).document, title: null }),
  notCanonical: stored({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], USERNAME: 'c' }),
  schemasLast: stored({ userName: 'l', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }),
  withId: stored({ ...user({ userName: 'i' }).document, id: 'forged' }),
  onlySchemas: stored({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }),
  noText: { ...user({ userName: 't' }), documentJson: undefined },
}

const DERIVED: Record<string, Derived> = {
  none: {},
  noGroups: { groups: [] },
  groups: {
    groups: [
      { value: 'g-1', display: 'Admins "root"', type: 'direct' },
      { value: 'g-2', type: 'direct' },
    ],
  },
}

const REQUESTS: Record<string, { attributes?: string; excludedAttributes?: string }> = {
  none: {},
  attributes: { attributes: 'userName' },
  withGroups: { attributes: 'userName,groups' },
  excludeGroups: { excludedAttributes: 'groups' },
  excludeGroupDisplay: { excludedAttributes: 'groups.display' },
  excludeEmails: { excludedAttributes: 'emails' },
  excludeEmailType: { excludedAttributes: 'emails.type' },
  excludeMeta: { excludedAttributes: 'meta' },
  extension: { attributes: ENTERPRISE },
}

const projection = (request: { attributes?: string; excludedAttributes?: string }, schema = USER) =>
  projectionOf(schema, {
    attributes: parseAttributeList(request.attributes, 'attributes'),
    excludedAttributes: parseAttributeList(request.excludedAttributes, 'excludedAttributes'),
  })

/** What the list route sends for one resource without the shortcut. */
const slow = (resource: StoredResource, derived: Derived, request: (typeof REQUESTS)[string], schema = USER) =>
  JSON.stringify(projection(request, schema).apply(renderResource(resource, derived, BASE)))

const fast = (resource: StoredResource, derived: Derived, request: (typeof REQUESTS)[string], schema = USER) =>
  renderedJson(resource, derived, BASE, projection(request, schema).keeps)

describe('renderedJson: the stored text, spliced', () => {
  test('whenever it answers, it answers what rendering and projecting would', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(USERS)),
        fc.constantFrom(...Object.keys(DERIVED)),
        fc.constantFrom(...Object.keys(REQUESTS)),
        (u, d, r) => {
          const resource = USERS[u as keyof typeof USERS]
          const text = fast(resource, DERIVED[d]!, REQUESTS[r]!)
          if (text !== undefined) assert.equal(text, slow(resource, DERIVED[d]!, REQUESTS[r]!))
        },
      ),
      { numRuns: 500 },
    )
  })

  test('answers for the documents and projections of lookups', () => {
    // The route loads groups only when they are shown (Projection.wanted).
    const shown = [['none', 'none'], ['noGroups', 'none'], ['groups', 'none'], ['none', 'excludeGroups']] as const
    for (const u of ['minimal', 'typical', 'enterprise', 'onlySchemas'] as const) {
      for (const [d, r] of shown) {
        const text = fast(USERS[u], DERIVED[d]!, REQUESTS[r]!)
        assert.equal(text, slow(USERS[u], DERIVED[d]!, REQUESTS[r]!), `${u} ${d} ${r}`)
      }
    }
  })

  test('declines what the text cannot show as it is', () => {
    const declined: [keyof typeof USERS, string, string][] = [
      ['password', 'none', 'none'],
      ['withNull', 'none', 'none'],
      ['notCanonical', 'none', 'none'],
      ['schemasLast', 'none', 'none'],
      ['withId', 'none', 'none'],
      ['noText', 'none', 'none'],
      ['typical', 'none', 'attributes'],
      ['typical', 'none', 'excludeEmailType'],
      ['typical', 'groups', 'excludeGroupDisplay'],
    ]
    for (const [u, d, r] of declined) assert.equal(fast(USERS[u], DERIVED[d]!, REQUESTS[r]!), undefined, `${u} ${d} ${r}`)
    assert.ok(!slow(USERS.password, {}, {}).includes('scrypt'))
  })

  test('groups and their members', () => {
    const group = stored(
      coerceResource(GROUP, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Admins' }),
      'Group',
    )
    const members: Derived = { members: [{ value: 'u-1', type: 'User', display: 'B' }, { value: 'g-9', type: 'Group' }] }
    for (const derived of [{}, members]) {
      for (const request of [{}, { excludedAttributes: 'members' }, { excludedAttributes: 'members.display' }]) {
        const text = fast(group, derived, request, GROUP)
        if (text !== undefined) assert.equal(text, slow(group, derived, request, GROUP))
      }
    }
    assert.equal(fast(group, members, {}, GROUP), slow(group, members, {}, GROUP))
  })
})

describe('Projection.keeps', () => {
  test('is true exactly for the keys projected whole', () => {
    const all = projection({})
    for (const key of ['schemas', 'id', 'userName', 'name', 'emails', 'groups', 'meta', ENTERPRISE]) assert.ok(all.keeps(key), key)
    for (const key of ['password', 'USERNAME', 'nosuch', '__proto__', 'constructor']) assert.ok(!all.keeps(key), key)
    const some = projection({ excludedAttributes: 'emails.type,meta' })
    assert.ok(some.keeps('userName'))
    assert.ok(!some.keeps('emails'))
    assert.ok(!some.keeps('meta'))
    assert.ok(some.keeps('id'), 'returned: always')
  })
})

describe('topLevelKeys', () => {
  test('reads the keys of JSON.stringify text as JSON.parse would, and where the first value ends', () => {
    const value = fc.jsonValue({ maxDepth: 3 })
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 6 }), (object) => {
        const text = JSON.stringify(object)
        const parsed = JSON.parse(text) as Record<string, unknown>
        const found = topLevelKeys(text)
        const keys = Object.keys(parsed)
        if (keys.some((k) => parsed[k] === null || JSON.stringify(k).includes('\\'))) {
          assert.equal(found, undefined, text)
          return
        }
        assert.ok(found, text)
        // Integer-like keys come first in JSON.parse's objects, as they did in the text.
        assert.deepEqual(found.keys, keys, text)
        if (keys.length > 0) {
          assert.equal(text.slice(0, found.firstEnd), `{${JSON.stringify(keys[0])}:${JSON.stringify(parsed[keys[0]!])}`)
        }
      }),
      { numRuns: 3000 },
    )
  })

  test('refuses text JSON.stringify does not write', () => {
    for (const text of ['', '{', '[]', '{"a":1', '{"a":1}x', '{ "a":1}', '{"a" :1}', '{"a":1,}', '{"a":}', '{"a":"x}', 'null']) {
      assert.equal(topLevelKeys(text), undefined, text)
    }
  })
})
