import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { verifyPassword } from '../../src/provisioning/password.js'
import { ENTERPRISE_SCHEMA, STORES, startHarness, user, USER_SCHEMA, type Harness } from '../helpers/harness.js'

for (const { name, open } of STORES) {
  describe(`Users CRUD — RFC 7644 §3.3–3.6 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('POST creates: 201, Location, ETag, meta, id; client id/meta/password/groups are not echoed', async () => {
      const res = await h.scim('POST', '/Users', {
        ...user('bjensen@example.com'),
        id: 'client-chosen',
        meta: { resourceType: 'Nonsense' },
        password: 't1meMa$heen',
        groups: [],
        roles: [],
        name: { givenName: 'Barbara', familyName: 'Jensen' },
        emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
      })
      assert.equal(res.status, 201, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      const body = res.body
      assert.notEqual(body.id, 'client-chosen')
      assert.equal(body.userName, 'bjensen@example.com')
      assert.equal(body.password, undefined)
      assert.deepEqual(body.schemas, [USER_SCHEMA])
      assert.equal(body.meta.resourceType, 'User')
      assert.equal(body.meta.location, `https://roster.test${h.base}/Users/${body.id}`)
      assert.equal(res.headers.location, body.meta.location)
      assert.equal(res.headers.etag, 'W/"1"')
      assert.equal(body.meta.version, 'W/"1"')
      assert.deepEqual(body.groups, [])
      assert.equal(body.meta.created, body.meta.lastModified)
    })

    test('userName is unique case-insensitively: 409 uniqueness', async () => {
      await h.scim('POST', '/Users', user('Unique.Person@Example.com'))
      const res = await h.scim('POST', '/Users', user('unique.person@example.COM'))
      assert.equal(res.status, 409)
      assert.equal(res.body.scimType, 'uniqueness')
      assert.equal(res.body.status, '409')
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
    })

    test('missing userName is 400 invalidValue', async () => {
      const res = await h.scim('POST', '/Users', { schemas: [USER_SCHEMA], displayName: 'No Name' })
      assert.equal(res.status, 400)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.match(res.body.detail, /userName/)
    })

    test('an indexed value too long to store is 400 invalidValue (POST, PUT, PATCH, Bulk), never a 500', async () => {
      // Varied text: PostgreSQL compresses repetitive index entries below its limit.
      const long = Array.from({ length: 2100 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join('')
      const tooLong = (res: { status: number; body: { scimType?: string; detail?: string } }, name: string) => {
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.equal(res.body.scimType, 'invalidValue')
        assert.match(res.body.detail ?? '', new RegExp(`^${name}: 2100 bytes long; at most 2000 bytes`))
      }
      tooLong(await h.scim('POST', '/Users', user(long)), 'userName')
      const created = await h.scim('POST', '/Users', user('short@example.com'))
      assert.equal(created.status, 201)
      tooLong(await h.scim('PUT', `/Users/${created.body.id}`, { ...user('short@example.com'), externalId: long }), 'externalId')
      tooLong(
        await h.scim('PATCH', `/Users/${created.body.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'displayName', value: long }],
        }),
        'displayName',
      )
      const bulk = await h.scim('POST', '/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [{ method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: long } }],
      })
      assert.equal(bulk.status, 200)
      assert.equal(bulk.body.Operations[0].status, '400')
      assert.equal((await h.scim('GET', `/Users/${created.body.id}`)).body.meta.version, 'W/"1"', 'nothing was written')
    })

    test('GET by id returns the resource; unknown id is a SCIM 404', async () => {
      const created = (await h.scim('POST', '/Users', user('get.me'))).body
      const res = await h.scim('GET', `/Users/${created.id}`)
      assert.equal(res.status, 200)
      assert.equal(res.body.userName, 'get.me')
      const missing = await h.scim('GET', '/Users/00000000-0000-0000-0000-000000000000')
      assert.equal(missing.status, 404)
      assert.equal(missing.body.status, '404')
    })

    test('attribute names are case-insensitive on input; enterprise extension round-trips', async () => {
      const res = await h.scim('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
        USERNAME: 'casey',
        Name: { GivenName: 'Casey' },
        [ENTERPRISE_SCHEMA.toUpperCase()]: { employeeNumber: '42', manager: { value: 'm-1' } },
      })
      assert.equal(res.status, 201, res.text)
      assert.equal(res.body.userName, 'casey')
      assert.equal(res.body.name.givenName, 'Casey')
      assert.equal(res.body[ENTERPRISE_SCHEMA].employeeNumber, '42')
      assert.equal(res.body[ENTERPRISE_SCHEMA].manager.value, 'm-1')
      assert.deepEqual(res.body.schemas, [USER_SCHEMA, ENTERPRISE_SCHEMA])
    })

    test('PUT replaces everything writable; readOnly ignored; version bumps', async () => {
      const created = (await h.scim('POST', '/Users', user('put.me', { title: 'Engineer', nickName: 'P' }))).body
      const res = await h.scim('PUT', `/Users/${created.id}`, {
        ...user('put.me'),
        id: 'ignored',
        displayName: 'Put Me',
        active: 'False',
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.id, created.id)
      assert.equal(res.body.displayName, 'Put Me')
      assert.equal(res.body.title, undefined)
      assert.equal(res.body.nickName, undefined)
      assert.equal(res.body.active, false)
      assert.equal(res.body.meta.version, 'W/"2"')
      assert.equal(res.body.meta.created, created.meta.created)
    })

    test('a PUT that changes nothing keeps version and lastModified (Okta pushes whole profiles)', async () => {
      const body = user('same.again', { name: { givenName: 'Same', familyName: 'Again' }, active: true })
      const created = (await h.scim('POST', '/Users', body)).body
      const again = await h.scim('PUT', `/Users/${created.id}`, {
        active: 'True',
        name: { familyName: 'Again', givenName: 'Same' },
        userName: 'same.again',
        schemas: body.schemas,
      })
      assert.equal(again.status, 200)
      assert.equal(again.headers.etag, 'W/"1"')
      assert.equal(again.body.meta.lastModified, created.meta.lastModified)
      const changed = await h.scim('PUT', `/Users/${created.id}`, { ...body, title: 'New' })
      assert.equal(changed.headers.etag, 'W/"2"')
    })

    test('PUT on a missing resource is 404', async () => {
      const res = await h.scim('PUT', '/Users/nope', user('x'))
      assert.equal(res.status, 404)
    })

    test('DELETE is 204, then the resource is gone', async () => {
      const created = (await h.scim('POST', '/Users', user('delete.me'))).body
      const res = await h.scim('DELETE', `/Users/${created.id}`)
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
      assert.equal((await h.scim('GET', `/Users/${created.id}`)).status, 404)
      assert.equal((await h.scim('DELETE', `/Users/${created.id}`)).status, 404)
      // The userName is free again.
      assert.equal((await h.scim('POST', '/Users', user('delete.me'))).status, 201)
    })

    test('ETags: If-None-Match gives 304; stale If-Match gives 412 and changes nothing', async () => {
      const created = (await h.scim('POST', '/Users', user('etag.me'))).body
      const notModified = await h.scim('GET', `/Users/${created.id}`, undefined, { 'if-none-match': 'W/"1"' })
      assert.equal(notModified.status, 304)
      assert.equal(notModified.headers.etag, 'W/"1"')
      const ok = await h.scim('PUT', `/Users/${created.id}`, user('etag.me', { title: 'A' }), { 'if-match': 'W/"1"' })
      assert.equal(ok.status, 200)
      const stale = await h.scim('PUT', `/Users/${created.id}`, user('etag.me', { title: 'B' }), { 'if-match': 'W/"1"' })
      assert.equal(stale.status, 412)
      const stalePatch = await h.scim(
        'PATCH',
        `/Users/${created.id}`,
        { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'C' }] },
        { 'if-match': '"1"' },
      )
      assert.equal(stalePatch.status, 412)
      const staleDelete = await h.scim('DELETE', `/Users/${created.id}`, undefined, { 'if-match': 'W/"1"' })
      assert.equal(staleDelete.status, 412)
      const now = await h.scim('GET', `/Users/${created.id}`)
      assert.equal(now.body.title, 'A')
      assert.equal(now.headers.etag, 'W/"2"')
      assert.equal((await h.scim('GET', `/Users/${created.id}`, undefined, { 'if-none-match': 'W/"1"' })).status, 200)
    })

    test('password is write-only: accepted, never returned, not filterable', async () => {
      const created = await h.scim('POST', '/Users', user('secret.keeper', { password: 'hunter2' }))
      assert.equal(created.status, 201)
      assert.equal(created.body.password, undefined)
      const asked = await h.scim('GET', `/Users/${created.body.id}?attributes=password`)
      assert.equal(asked.body.password, undefined)
      const filtered = await h.scim('GET', `/Users?filter=${encodeURIComponent('password eq "hunter2"')}`)
      assert.equal(filtered.status, 400)
      assert.equal(filtered.body.scimType, 'invalidFilter')
    })

    test('passwords are kept only as scrypt hashes, set by POST, PUT and PATCH (with and without path)', async () => {
      const stored = async (id: string) => (await h.store.forTenant(h.tenant).get('User', id))!.document.password as string
      const created = (await h.scim('POST', '/Users', user('hash.me', { password: 'first' }))).body
      assert.ok(await verifyPassword('first', await stored(created.id)))
      await h.scim('PUT', `/Users/${created.id}`, user('hash.me', { title: 'no password given' }))
      assert.ok(await verifyPassword('first', await stored(created.id)), 'a PUT without password keeps it')
      const patchOp = (op: object) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] })
      assert.equal((await h.scim('PATCH', `/Users/${created.id}`, patchOp({ op: 'replace', path: 'password', value: 'second' }))).status, 200)
      assert.ok(await verifyPassword('second', await stored(created.id)))
      assert.equal((await h.scim('PATCH', `/Users/${created.id}`, patchOp({ op: 'Replace', value: { PASSWORD: 'third' } }))).status, 200)
      assert.ok(await verifyPassword('third', await stored(created.id)))
      assert.ok(!(await verifyPassword('second', await stored(created.id))))
    })

    test('attributes / excludedAttributes projection', async () => {
      const created = (await h.scim('POST', '/Users', user('proj.me', { displayName: 'Proj', title: 'T', name: { givenName: 'G', familyName: 'F' } }))).body
      const only = await h.scim('GET', `/Users/${created.id}?attributes=userName,name.givenName`)
      assert.deepEqual(Object.keys(only.body).sort(), ['id', 'name', 'schemas', 'userName'].sort())
      assert.deepEqual(only.body.name, { givenName: 'G' })
      const without = await h.scim('GET', `/Users/${created.id}?excludedAttributes=title,groups`)
      assert.equal(without.body.title, undefined)
      assert.equal(without.body.groups, undefined)
      assert.equal(without.body.displayName, 'Proj')
      assert.equal(without.body.id, created.id)
    })
  })
}
