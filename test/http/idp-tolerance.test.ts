import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { group, GROUP_SCHEMA, patch, STORES, user } from '../helpers/harness.js'
import { startListening, type Listening, type LogLine } from './listening.js'

const BASE = '/scim/v2/organizations/acme'
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'

for (const { name, open } of STORES) {
  describe(`tolerances third-party suites need [${name}]`, () => {
    let s: Listening
    before(async () => {
      s = await startListening(open)
    })
    after(() => s.close())

    const call = async (method: InjectOptions['method'], path: string, body?: unknown) => {
      const res = await s.app.inject({
        method,
        url: /^\/scim\//i.test(path) ? path : BASE + path,
        headers: {
          authorization: `Bearer ${s.token}`,
          ...(body !== undefined && { 'content-type': 'application/scim+json' }),
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      })
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers }
    }
    /** The `request` log line of the last request to `url`. */
    const requestLine = (method: string, url: string): LogLine => {
      const line = s.logs.findLast((l) => l.msg === 'request' && l.method === method && l.url === url)
      assert.ok(line, `no log line for ${method} ${url}`)
      return line
    }

    test('endpoint names match in any case: /users, /GROUPS, /bulk, /schemas, ...', async () => {
      const created = await call('POST', '/users', user('lower.case@example.com'))
      assert.equal(created.status, 201)
      assert.equal((await call('GET', `/USERS/${created.body.id}`)).body.userName, 'lower.case@example.com')
      assert.equal((await call('GET', '/users?filter=userName%20eq%20%22lower.case@example.com%22')).body.totalResults, 1)
      const searched = await call('POST', '/users/.SEARCH', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })
      assert.equal(searched.status, 200)
      assert.equal((await call('POST', '/groups', group('lower-case group'))).status, 201)
      for (const path of ['/schemas', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User', '/resourcetypes', '/serviceproviderconfig']) {
        assert.equal((await call('GET', path)).status, 200, path)
      }
      const bulk = await call('POST', '/bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'DELETE', path: `/Users/${created.body.id}` }] })
      assert.equal(bulk.status, 200)
      assert.equal(bulk.body.Operations[0].status, '204')
      assert.equal((await call('GET', '/SCIM/V2/Organizations/acme/Users')).status, 200, 'the prefix too')
    })

    test('slugs and ids keep their case, and so their meaning', async () => {
      const created = await call('POST', '/Users', user('case.kept@example.com'))
      const upper = await call('GET', '/scim/v2/organizations/ACME/users')
      assert.equal(upper.status, 401, 'slugs are lower-case: ACME names no tenant')
      assert.equal((await call('GET', `/users/${String(created.body.id).toUpperCase()}`)).status, 404)
    })

    test('attributes=emails[type eq "work"] shows the matching values only', async () => {
      const created = await call(
        'POST',
        '/Users',
        user('values@example.com', {
          emails: [
            { value: 'home@example.com', type: 'home', primary: true },
            { value: 'work@example.com', type: 'work' },
          ],
          phoneNumbers: [{ value: '555-0100', type: 'work' }],
        }),
      )
      const id = created.body.id as string
      const query = (parameter: string, value: string) => `/Users/${id}?${parameter}=${encodeURIComponent(value)}`
      const work = await call('GET', query('attributes', 'emails[type eq "work"]'))
      assert.equal(work.status, 200, JSON.stringify(work.body))
      assert.deepEqual(work.body.emails, [{ value: 'work@example.com', type: 'work' }])
      assert.equal(work.body.userName, undefined)
      assert.equal(work.body.id, id, 'returned: always is still returned')

      const valueOnly = await call('GET', query('attributes', 'emails[type eq "work"].value,userName'))
      assert.deepEqual(valueOnly.body.emails, [{ value: 'work@example.com' }])
      assert.equal(valueOnly.body.userName, 'values@example.com')

      const none = await call('GET', query('attributes', 'emails[type eq "other"]'))
      assert.equal(none.body.emails, undefined)

      const either = await call('GET', query('attributes', 'emails[type eq "work"],emails[primary eq true]'))
      assert.equal(either.body.emails.length, 2)

      const excluded = await call('GET', query('excludedAttributes', 'emails[type eq "work"]'))
      assert.deepEqual(excluded.body.emails, [{ value: 'home@example.com', type: 'home', primary: true }])
      assert.equal(excluded.body.userName, 'values@example.com')
      assert.deepEqual(excluded.body.phoneNumbers, [{ value: '555-0100', type: 'work' }])

      const trimmed = await call('GET', query('excludedAttributes', 'emails[type eq "home"].primary'))
      assert.deepEqual(trimmed.body.emails, [
        { value: 'home@example.com', type: 'home' },
        { value: 'work@example.com', type: 'work' },
      ])

      const listed = await call('GET', `/Users?filter=${encodeURIComponent(`id eq "${id}"`)}&attributes=${encodeURIComponent('emails[type eq "work"]')}`)
      assert.deepEqual(listed.body.Resources[0].emails, [{ value: 'work@example.com', type: 'work' }])
      const searched = await call('POST', '/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: `id eq "${id}"`,
        attributes: ['emails[value co ","]', 'emails[type eq "home"].value'],
      })
      // Paths naming one attribute combine: any filter picks a value, and the first path shows it whole.
      assert.deepEqual(searched.body.Resources[0].emails, [{ value: 'home@example.com', type: 'home', primary: true }])

      const broken = await call('GET', query('attributes', 'emails[type eq "work"'))
      assert.equal(broken.status, 400)
      assert.equal(broken.body.scimType, 'invalidValue')
    })

    test('attributes=members[type eq "User"] on a group read', async () => {
      const u = await call('POST', '/Users', user('member.user@example.com'))
      const g = await call('POST', '/Groups', group('inner'))
      const outer = await call('POST', '/Groups', group('outer', { members: [{ value: u.body.id }, { value: g.body.id }] }))
      const read = await call('GET', `/Groups/${outer.body.id}?attributes=${encodeURIComponent('members[type eq "User"]')}`)
      assert.deepEqual(
        read.body.members.map((m: { value: string; type: string }) => [m.value, m.type]),
        [[u.body.id, 'User']],
      )
      const others = await call('GET', `/Groups/${outer.body.id}?excludedAttributes=${encodeURIComponent('members[type eq "User"]')}`)
      assert.deepEqual(others.body.members.map((m: { value: string }) => m.value), [g.body.id])
      assert.equal(others.body.displayName, 'outer')
    })

    test("a member whose sent type disagrees with what the id is: stored with the real type, the correction logged", async () => {
      const u = await call('POST', '/Users', user('typed@example.com'))
      const inner = await call('POST', '/Groups', group('typed inner'))
      const created = await call(
        'POST',
        '/Groups',
        group('typed', { members: [{ value: u.body.id, type: 'Group' }, { value: inner.body.id, type: 'User' }] }),
      )
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const types = (members: { value: string; type: string }[]) => members.map((m) => [m.value, m.type])
      assert.deepEqual(types(created.body.members), [
        [u.body.id, 'User'],
        [inner.body.id, 'Group'],
      ])
      assert.deepEqual(requestLine('POST', `${BASE}/Groups`).tolerances, [
        `member type corrected: ${u.body.id} User (sent Group)`,
        `member type corrected: ${inner.body.id} Group (sent User)`,
      ])

      const other = await call('POST', '/Users', user('typed.other@example.com'))
      const patched = await call(
        'PATCH',
        `/Groups/${created.body.id}`,
        patch({ op: 'add', path: 'members', value: [{ value: other.body.id, type: 'Group' }] }),
      )
      assert.equal(patched.status, 204)
      assert.deepEqual(requestLine('PATCH', `${BASE}/Groups/${created.body.id}`).tolerances, [
        `member type corrected: ${other.body.id} User (sent Group)`,
      ])
      const put = await call('PUT', `/Groups/${created.body.id}`, group('typed', { members: [{ value: u.body.id, type: 'group' }] }))
      assert.equal(put.status, 200)
      assert.deepEqual(types(put.body.members), [[u.body.id, 'User']])
      assert.deepEqual(requestLine('PUT', `${BASE}/Groups/${created.body.id}`).tolerances, [
        `member type corrected: ${u.body.id} User (sent Group)`,
      ])

      const bulk = await call('POST', '/Bulk', {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Groups', bulkId: 'g', data: group('typed bulk', { members: [{ value: u.body.id, type: 'Group' }] }) },
        ],
      })
      assert.equal(bulk.body.Operations[0].status, '201')
      assert.deepEqual(requestLine('POST', `${BASE}/Bulk`).tolerances, [
        `Operations[0]: member type corrected: ${u.body.id} User (sent Group)`,
      ])
      // Nothing corrected, nothing noted.
      assert.equal((await call('GET', `/Groups/${created.body.id}`)).status, 200)
      assert.equal(requestLine('GET', `${BASE}/Groups/${created.body.id}`).tolerances, undefined)
    })

    test('where Roster follows the RFC over a reference implementation, on purpose', async () => {
      const u = await call('POST', '/Users', user('deliberate@example.com'))
      // RFC 7644 §3.5.2: a user PATCH answers 200 with the resource.
      const userPatch = await call('PATCH', `/Users/${u.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'D' }))
      assert.equal(userPatch.status, 200)
      assert.equal(userPatch.body.displayName, 'D')
      // A group PATCH answers 204, unless the client asks for attributes back.
      const g = await call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'deliberate', members: [{ value: u.body.id, display: 'Not Me' }] })
      assert.equal(g.status, 201)
      assert.equal((await call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'd2' }))).status, 204)
      const asked = await call('PATCH', `/Groups/${g.body.id}?attributes=displayName`, patch({ op: 'replace', path: 'displayName', value: 'd3' }))
      assert.equal(asked.status, 200)
      assert.equal(asked.body.displayName, 'd3')
      // members.display is derived from the member, never stored from the client.
      assert.equal((await call('GET', `/Groups/${g.body.id}`)).body.members[0].display, 'D')
      // A member id that does not exist is 400, not silently dropped.
      const missing = await call('POST', '/Groups', group('missing', { members: [{ value: '00000000-0000-0000-0000-000000000000' }] }))
      assert.equal(missing.status, 400)
      assert.equal(missing.body.scimType, 'invalidValue')
    })
  })
}
