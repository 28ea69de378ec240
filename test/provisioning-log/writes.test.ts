import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENTERPRISE_SCHEMA, group, patch, STORES, user } from '../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from '../http/admin/admin-harness.js'

const LOG = '/tenants/organization:acme/provisioning-log'

for (const { name, open } of STORES) {
  describe(`provisioning log: writes and failures [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    /** The entries of one request, oldest first. */
    const entriesOf = async (requestId: string) => (await walk(h, `${LOG}?requestId=${encodeURIComponent(requestId)}`)).items.reverse()
    const only = async (requestId: string) => {
      const entries = await entriesOf(requestId)
      assert.equal(entries.length, 1, JSON.stringify(entries))
      return entries[0]
    }
    const call = (method: string, path: string, body: unknown, requestId: string, headers: Record<string, string> = {}) =>
      h.scim(method as 'GET', path, body, { 'x-request-id': requestId, ...headers })

    test('a create: 201 with every attribute as added, the password masked, token and client', async () => {
      const created = await call(
        'POST',
        '/Users',
        user('ada@acme.example', { name: { givenName: 'Ada', familyName: 'Lovelace' }, password: 'hunter2-secret', [ENTERPRISE_SCHEMA]: { employeeNumber: '7' } }),
        'create-1',
        { 'user-agent': 'OKTA SCIM Integration' },
      )
      assert.equal(created.status, 201, created.text)
      const entry = await only('create-1')
      assert.equal(entry.status, 201)
      assert.equal(entry.method, 'POST')
      assert.equal(entry.path, '/scim/v2/organizations/acme/Users')
      assert.equal(entry.resourceType, 'User')
      assert.equal(entry.resourceId, created.body.id)
      assert.equal(entry.userName, 'ada@acme.example')
      assert.equal(entry.client, 'okta')
      assert.equal(entry.userAgent, 'OKTA SCIM Integration')
      assert.deepEqual(entry.tenant, { kind: 'organization', slug: 'acme' })
      assert.equal(typeof entry.tokenId, 'string')
      assert.equal(entry.scimType, null)
      assert.ok(entry.durationMs >= 0)
      const byName = Object.fromEntries(entry.changes.map((c: { attribute: string }) => [c.attribute, c]))
      assert.deepEqual(byName['userName'], { attribute: 'userName', after: 'ada@acme.example' })
      assert.deepEqual(byName['name.givenName'], { attribute: 'name.givenName', after: 'Ada' })
      assert.deepEqual(byName[`${ENTERPRISE_SCHEMA}:employeeNumber`], { attribute: `${ENTERPRISE_SCHEMA}:employeeNumber`, after: '7' })
      assert.deepEqual(byName['password'], { attribute: 'password', after: '********' })
      const listed = (await h.admin('GET', `${LOG}?requestId=create-1`)).text
      assert.ok(!listed.includes('hunter2-secret') && !listed.includes('scrypt'), 'neither the password nor its hash is shown')
    })

    test('replace, patch and delete: 200, 200, 204, each with its attribute-level diff', async () => {
      const id = (await call('POST', '/Users', user('bob@acme.example', { name: { givenName: 'Bob' }, title: 'Clerk' }), 'c-bob')).body.id
      const put = await call('PUT', `/Users/${id}`, user('bob@acme.example', { name: { givenName: 'Robert' }, displayName: 'Robert' }), 'put-bob')
      assert.equal(put.status, 200, put.text)
      const replaced = await only('put-bob')
      assert.equal(replaced.status, 200)
      assert.deepEqual(replaced.changes, [
        { attribute: 'displayName', after: 'Robert' },
        { attribute: 'name.givenName', before: 'Bob', after: 'Robert' },
        { attribute: 'title', before: 'Clerk' },
      ])

      const patched = await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }, { op: 'replace', path: 'password', value: 'n3w-secret' }), 'patch-bob')
      assert.equal(patched.status, 200, patched.text)
      const entry = await only('patch-bob')
      assert.equal(entry.status, 200)
      assert.equal(entry.method, 'PATCH')
      assert.deepEqual(entry.changes, [
        { attribute: 'active', after: false },
        { attribute: 'password', after: '********' },
      ])

      const unchanged = await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Clerk' }, { op: 'remove', path: 'title' }), 'noop-bob')
      assert.equal(unchanged.status, 200, unchanged.text)
      assert.deepEqual((await only('noop-bob')).changes, [], 'a write that changed nothing is logged with an empty diff')

      assert.equal((await call('DELETE', `/Users/${id}`, undefined, 'delete-bob')).status, 204)
      const deleted = await only('delete-bob')
      assert.equal(deleted.status, 204)
      assert.equal(deleted.userName, 'bob@acme.example')
      assert.ok(deleted.changes.some((c: { attribute: string; before?: unknown; after?: unknown }) => c.attribute === 'userName' && c.before === 'bob@acme.example' && !('after' in c)))
    })

    test('group membership: members added and removed, tolerance notes kept, one entry per write', async () => {
      const a = (await call('POST', '/Users', user('m1@acme.example'), 'c-m1')).body.id
      const b = (await call('POST', '/Users', user('m2@acme.example'), 'c-m2')).body.id
      const created = await call('POST', '/Groups', group('Ops', { members: [{ value: a }] }), 'c-ops')
      assert.equal(created.status, 201, created.text)
      const made = await only('c-ops')
      assert.deepEqual(made.changes, [
        { attribute: 'displayName', after: 'Ops' },
        { attribute: 'members', added: [a] },
      ])
      const gid = created.body.id
      // Entra's shape: capitalised ops; a member sent as a Group is corrected to User (noted).
      const changed = await call('PATCH', `/Groups/${gid}`, patch({ op: 'Add', path: 'members', value: [{ value: b, type: 'Group' }] }, { op: 'Remove', path: `members[value eq "${a}"]` }), 'p-ops')
      assert.equal(changed.status, 204, changed.text)
      const entry = await only('p-ops')
      assert.equal(entry.status, 200, 'group PATCHes answered 204 are logged as the operation: 200')
      assert.equal(entry.client, 'entra', 'capitalised ops without a User-Agent: Entra')
      assert.deepEqual(entry.changes, [{ attribute: 'members', added: [b], removed: [a] }])
      assert.deepEqual(entry.tolerances, [`member type corrected: ${b} User (sent Group)`])
      assert.equal(entry.resourceType, 'Group')
      assert.equal(entry.userName, null)
    })

    test('failures: 400, 404, 409 and 412 with scimType and detail; a rolled-back write leaves no success entry', async () => {
      const bad = await call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }, 'f-400')
      assert.equal(bad.status, 400)
      const e400 = await only('f-400')
      assert.equal(e400.status, 400)
      assert.equal(e400.scimType, bad.body.scimType)
      assert.equal(e400.detail, bad.body.detail)
      assert.equal(e400.changes, null)

      const missing = await call('PATCH', '/Users/00000000-0000-0000-0000-000000000000', patch({ op: 'replace', path: 'active', value: false }), 'f-404')
      assert.equal(missing.status, 404)
      const e404 = await only('f-404')
      assert.equal(e404.status, 404)
      assert.equal(e404.resourceType, 'User')
      assert.equal(e404.resourceId, '00000000-0000-0000-0000-000000000000')
      assert.match(e404.detail, /not found/)

      assert.equal((await call('POST', '/Users', user('dup@acme.example'), 'c-dup')).status, 201)
      const dup = await call('POST', '/Users', user('DUP@acme.example'), 'f-409')
      assert.equal(dup.status, 409)
      const e409 = await only('f-409')
      assert.equal(e409.status, 409)
      assert.equal(e409.scimType, 'uniqueness')
      assert.equal(e409.userName, 'DUP@acme.example')
      assert.equal(e409.changes, null, 'the failed create wrote no success entry: only its failure')

      const id = (await call('POST', '/Users', user('etag@acme.example'), 'c-etag')).body.id
      const stale = await call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'x' }), 'f-412', { 'if-match': 'W/"99"' })
      assert.equal(stale.status, 412)
      const e412 = await only('f-412')
      assert.equal(e412.status, 412)
      assert.equal(e412.detail, stale.body.detail)

      const failures = (await walk(h, `${LOG}?status=4xx`)).items.map((e: { requestId: string }) => e.requestId)
      for (const r of ['f-400', 'f-404', 'f-409', 'f-412']) assert.ok(failures.includes(r), r)
    })

    test('Bulk: one entry per operation, successes and failures, tied to the Bulk request', async () => {
      const bulk = await call(
        'POST',
        '/Bulk',
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [
            { method: 'POST', path: '/Users', bulkId: 'u1', data: user('bulk1@acme.example') },
            { method: 'POST', path: '/Users', bulkId: 'u2', data: user('bulk1@acme.example') },
            { method: 'PATCH', path: '/Users/bulkId:u1', data: patch({ op: 'replace', path: 'displayName', value: 'B One' }) },
            { method: 'DELETE', path: '/Users/nope' },
          ],
        },
        'bulk-1',
      )
      assert.equal(bulk.status, 200, bulk.text)
      const entries = (await entriesOf('bulk-1')).sort((x: { bulkIndex: number }, y: { bulkIndex: number }) => x.bulkIndex - y.bulkIndex)
      assert.deepEqual(
        entries.map((e: any) => [e.bulkIndex, e.bulkId, e.method, e.status, e.scimType]),
        [
          [0, 'u1', 'POST', 201, null],
          [1, 'u2', 'POST', 409, 'uniqueness'],
          [2, null, 'PATCH', 200, null],
          [3, null, 'DELETE', 404, null],
        ],
      )
      const id = bulk.body.Operations[0].location.split('/').at(-1)
      assert.equal(entries[2].path, `/Users/${id}`)
      assert.deepEqual(entries[2].changes, [{ attribute: 'displayName', after: 'B One' }])
      assert.equal(entries[3].path, '/Users/nope')
      assert.match(entries[3].detail, /not found/)
    })

    test('reads are logged only when the tenant turns logReads on', async () => {
      assert.equal((await call('GET', '/Users?filter=userName%20eq%20%22x%22', undefined, 'read-off')).status, 200)
      assert.equal((await entriesOf('read-off')).length, 0)
      const on = await h.admin('PATCH', '/tenants/organization:acme/settings', { logReads: true })
      assert.equal(on.status, 200, on.text)
      assert.equal(on.body.logReads, true)
      assert.equal(on.body.logRetentionDays, 30)
      assert.equal((await call('GET', '/Users?filter=userName%20eq%20%22x%22', undefined, 'read-on')).status, 200)
      const read = await only('read-on')
      assert.equal(read.status, 200)
      assert.equal(read.method, 'GET')
      assert.equal(read.path, '/scim/v2/organizations/acme/Users?filter=userName%20eq%20%22x%22')
      assert.equal(read.resourceType, 'User')
      assert.equal((await h.admin('PATCH', '/tenants/organization:acme/settings', { logReads: false })).status, 200)
      const refused = await h.admin('PATCH', '/tenants/organization:acme/settings', { logRetentionDays: 0 })
      assert.equal(refused.status, 400)
    })
  })
}
