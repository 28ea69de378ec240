import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENTERPRISE_SCHEMA, patch, STORES, startHarness, user, USER_SCHEMA, type Harness } from '../helpers/harness.js'

type Resource = any

const emailsOf = (u: Resource): Resource[] => u.emails ?? []

for (const { name, open } of STORES) {
  describe(`PATCH Users — RFC 7644 §3.5.2 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    let counter = 0
    /** A fresh user like RFC 7643 §8.2's Barbara Jensen, with a work and a home email. */
    const newUser = async (extra: Record<string, unknown> = {}): Promise<Resource> => {
      const res = await h.scim('POST', '/Users', {
        ...user(`patch.${++counter}@example.com`),
        name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Ms. Barbara J Jensen III' },
        displayName: 'Babs Jensen',
        title: 'Tour Guide',
        emails: [
          { value: `bjensen${counter}@example.com`, type: 'work', primary: true },
          { value: `babs${counter}@jensen.org`, type: 'home' },
        ],
        ...extra,
      })
      assert.equal(res.status, 201, res.text)
      return res.body
    }
    const send = (id: string, ...operations: unknown[]) => h.scim('PATCH', `/Users/${id}`, patch(...operations))
    const get = async (id: string) => (await h.scim('GET', `/Users/${id}`)).body

    test('add a simple attribute: 200 with the full resource, new ETag and meta.version', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'add', path: 'nickName', value: 'Babs' })
      assert.equal(res.status, 200, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.equal(res.body.nickName, 'Babs')
      assert.equal(res.body.userName, u.userName)
      assert.deepEqual(res.body.emails, u.emails)
      assert.deepEqual(res.body.groups, [])
      assert.equal(res.headers.etag, 'W/"2"')
      assert.equal(res.body.meta.version, 'W/"2"')
      assert.equal(res.body.meta.created, u.meta.created)
      assert.ok(res.body.meta.lastModified >= u.meta.lastModified)
      assert.deepEqual(await get(u.id), res.body)
    })

    test('replace and remove a simple attribute', async () => {
      const u = await newUser()
      const replaced = await send(u.id, { op: 'replace', path: 'title', value: 'Chief Guide' })
      assert.equal(replaced.status, 200, replaced.text)
      assert.equal(replaced.body.title, 'Chief Guide')
      const removed = await send(u.id, { op: 'remove', path: 'title' })
      assert.equal(removed.status, 200, removed.text)
      assert.equal(removed.body.title, undefined)
      assert.equal(removed.body.meta.version, 'W/"3"')
      // Removing an attribute that has no value is not an error.
      assert.equal((await send(u.id, { op: 'remove', path: 'nickName' })).status, 200)
    })

    test('replace of an absent attribute adds it (RFC 7644 §3.5.2.3)', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'replace', path: 'preferredLanguage', value: 'en-US' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.preferredLanguage, 'en-US')
    })

    test('sub-attribute paths change one sub-attribute and keep the others', async () => {
      const u = await newUser()
      const res = await send(
        u.id,
        { op: 'replace', path: 'name.givenName', value: 'Barb' },
        { op: 'add', path: 'name.middleName', value: 'Jane' },
        { op: 'remove', path: 'name.formatted' },
      )
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.name, { givenName: 'Barb', familyName: 'Jensen', middleName: 'Jane' })
    })

    test('add to a multi-valued attribute appends the new values', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'add', path: 'emails', value: [{ value: 'other@example.net', type: 'other' }] })
      assert.equal(res.status, 200, res.text)
      assert.equal(emailsOf(res.body).length, 3)
      assert.deepEqual(emailsOf(res.body).slice(0, 2), u.emails)
      assert.equal(emailsOf(res.body)[2].value, 'other@example.net')
      // Adding a value equal to an existing one does not duplicate it (RFC 7644 §3.5.2.1).
      // "this operation SHALL NOT change the modify timestamp of the resource".
      const again = await send(u.id, { op: 'add', path: 'emails', value: [{ value: 'other@example.net', type: 'other' }] })
      assert.equal(again.status, 200, again.text)
      assert.equal(emailsOf(again.body).length, 3)
      assert.equal(again.body.meta.lastModified, res.body.meta.lastModified)
      assert.equal(again.body.meta.version, res.body.meta.version)
    })

    test('replace a multi-valued attribute replaces the whole list', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'replace', path: 'emails', value: [{ value: 'only@example.com', type: 'work' }] })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.emails, [{ value: 'only@example.com', type: 'work' }])
    })

    test('value filter path with a sub-attribute: emails[type eq "work"].value', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new.work@example.com' })
      assert.equal(res.status, 200, res.text)
      const work = emailsOf(res.body).filter((e) => e.type === 'work')
      assert.deepEqual(work, [{ value: 'new.work@example.com', type: 'work', primary: true }])
      assert.deepEqual(emailsOf(res.body).find((e) => e.type === 'home'), u.emails[1])
    })

    test('value filter path without a sub-attribute replaces the matching values', async () => {
      const u = await newUser()
      const res = await send(u.id, {
        op: 'replace',
        path: 'emails[type eq "home"]',
        value: { value: 'moved@jensen.org', type: 'home', display: 'Home' },
      })
      assert.equal(res.status, 200, res.text)
      const home = emailsOf(res.body).filter((e) => e.type === 'home')
      assert.equal(home.length, 1)
      assert.equal(home[0].value, 'moved@jensen.org')
      assert.equal(home[0].display, 'Home')
      assert.equal(emailsOf(res.body).length, 2)
    })

    test('remove with a value filter removes only the matching values', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'remove', path: 'emails[type eq "home"]' })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.emails, [u.emails[0]])
      const sub = await send(u.id, { op: 'remove', path: 'emails[type eq "work"].primary' })
      assert.equal(sub.status, 200, sub.text)
      assert.deepEqual(sub.body.emails, [{ value: u.emails[0].value, type: 'work' }])
      const all = await send(u.id, { op: 'remove', path: 'emails' })
      assert.equal(all.status, 200, all.text)
      assert.equal(all.body.emails, undefined)
    })

    test('value filters combine with and/or and compare case-insensitively', async () => {
      const u = await newUser()
      const res = await send(u.id, {
        op: 'replace',
        path: 'emails[type eq "WORK" or value ew "JENSEN.ORG"].display',
        value: 'Either',
      })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(emailsOf(res.body).map((e) => e.display), ['Either', 'Either'])
    })

    test('URN-qualified extension paths add, replace and remove', async () => {
      const u = await newUser()
      const added = await send(
        u.id,
        { op: 'add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Tour Operations' },
        { op: 'add', path: `${ENTERPRISE_SCHEMA}:manager.value`, value: 'boss-1' },
      )
      assert.equal(added.status, 200, added.text)
      assert.deepEqual(added.body.schemas, [USER_SCHEMA, ENTERPRISE_SCHEMA])
      assert.equal(added.body[ENTERPRISE_SCHEMA].department, 'Tour Operations')
      assert.equal(added.body[ENTERPRISE_SCHEMA].manager.value, 'boss-1')

      const replaced = await send(u.id, { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Sales' })
      assert.equal(replaced.body[ENTERPRISE_SCHEMA].department, 'Sales')
      assert.equal(replaced.body[ENTERPRISE_SCHEMA].manager.value, 'boss-1')

      const removed = await send(
        u.id,
        { op: 'remove', path: `${ENTERPRISE_SCHEMA}:department` },
        { op: 'remove', path: `${ENTERPRISE_SCHEMA}:manager` },
      )
      assert.equal(removed.status, 200, removed.text)
      // With no extension attribute left, the extension is gone from `schemas` too (RFC 7643 §3).
      assert.equal(removed.body[ENTERPRISE_SCHEMA], undefined)
      assert.deepEqual(removed.body.schemas, [USER_SCHEMA])
    })

    test('a bare extension URN path takes an object of extension attributes', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'add', path: ENTERPRISE_SCHEMA, value: { employeeNumber: '701984', costCenter: '4130' } })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body[ENTERPRISE_SCHEMA], { employeeNumber: '701984', costCenter: '4130' })
      assert.ok(res.body.schemas.includes(ENTERPRISE_SCHEMA))
    })

    test('core URN-qualified paths work like short ones', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'replace', path: `${USER_SCHEMA}:name.familyName`, value: 'Jensen-Smith' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.name.familyName, 'Jensen-Smith')
    })

    test('path and attribute names are case-insensitive', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'replace', path: 'NAME.GIVENNAME', value: 'B' }, { op: 'add', path: 'NickName', value: 'n' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.name.givenName, 'B')
      assert.equal(res.body.nickName, 'n')
    })

    test('no-path add merges an object of attributes, nested objects included (RFC 7644 §3.5.2.1)', async () => {
      const u = await newUser()
      const res = await send(u.id, {
        op: 'add',
        value: {
          nickName: 'Babs',
          name: { honorificPrefix: 'Ms.' },
          emails: [{ value: 'third@example.net', type: 'other' }],
          [ENTERPRISE_SCHEMA]: { division: 'Theme Parks' },
        },
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.nickName, 'Babs')
      assert.deepEqual(res.body.name, { ...u.name, honorificPrefix: 'Ms.' })
      assert.equal(emailsOf(res.body).length, 3)
      assert.equal(res.body[ENTERPRISE_SCHEMA].division, 'Theme Parks')
      assert.equal(res.body.title, 'Tour Guide')
    })

    test('no-path replace sets the given attributes and leaves the rest (RFC 7644 §3.5.2.3)', async () => {
      const u = await newUser({ [ENTERPRISE_SCHEMA]: { department: 'A', costCenter: 'C' }, schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA] })
      const res = await send(u.id, {
        op: 'replace',
        value: {
          title: 'Captain',
          name: { givenName: 'Barbie' },
          emails: [{ value: 'replaced@example.com', type: 'work', primary: true }],
          [ENTERPRISE_SCHEMA]: { department: 'B' },
        },
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.title, 'Captain')
      assert.equal(res.body.name.givenName, 'Barbie')
      assert.equal(res.body.name.familyName, 'Jensen')
      assert.deepEqual(res.body.emails, [{ value: 'replaced@example.com', type: 'work', primary: true }])
      assert.equal(res.body[ENTERPRISE_SCHEMA].department, 'B')
      assert.equal(res.body[ENTERPRISE_SCHEMA].costCenter, 'C')
      assert.equal(res.body.displayName, 'Babs Jensen')
    })

    test('remove without a path is 400 noTarget', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'remove' })
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'noTarget')
      assert.match(res.body.detail, /Operations\[0\]/)
    })

    test('an unknown attribute in a path is 400 invalidPath', async () => {
      const u = await newUser()
      for (const path of ['shoeSize', 'name.shoeSize', 'emails[type eq "work"].shoeSize', `${ENTERPRISE_SCHEMA}:shoeSize`, 'emails[shoe eq "x"]']) {
        const res = await send(u.id, { op: 'replace', path, value: 'x' })
        assert.equal(res.status, 400, `${path}: ${res.text}`)
        assert.equal(res.body.scimType, 'invalidPath', `${path}: ${res.text}`)
      }
    })

    test('a malformed path is 400 invalidPath with the position', async () => {
      const u = await newUser()
      for (const path of ['emails[type eq "work"', 'emails[type eq]', 'name..givenName', 'emails]']) {
        const res = await send(u.id, { op: 'replace', path, value: 'x' })
        assert.equal(res.status, 400, `${path}: ${res.text}`)
        assert.equal(res.body.scimType, 'invalidPath', `${path}: ${res.text}`)
      }
    })

    test('readOnly targets are 400 mutability: id, meta.created, groups', async () => {
      const u = await newUser()
      for (const op of [
        { op: 'replace', path: 'id', value: 'new-id' },
        { op: 'replace', path: 'meta.created', value: '2001-01-01T00:00:00Z' },
        { op: 'add', path: 'groups', value: [{ value: 'g1' }] },
        { op: 'remove', path: 'meta' },
      ]) {
        const res = await send(u.id, op)
        assert.equal(res.status, 400, `${op.path}: ${res.text}`)
        assert.equal(res.body.scimType, 'mutability', `${op.path}: ${res.text}`)
      }
      assert.equal((await get(u.id)).meta.version, 'W/"1"')
    })

    test('atomicity: when the 2nd operation fails, nothing of the 1st is kept', async () => {
      const u = await newUser()
      const before = await h.scim('GET', `/Users/${u.id}`)
      for (const failing of [
        { op: 'replace', path: 'id', value: 'x' },
        { op: 'replace', path: 'shoeSize', value: 'x' },
        { op: 'remove' },
        { op: 'replace', path: 'active', value: 'sometimes' },
      ]) {
        const res = await send(u.id, { op: 'replace', path: 'title', value: 'Changed' }, failing)
        assert.equal(res.status, 400, res.text)
        const now = await h.scim('GET', `/Users/${u.id}`)
        assert.deepEqual(now.body, before.body)
        assert.equal(now.headers.etag, 'W/"1"')
      }
    })

    test('atomicity: a userName collision in a later operation is 409 and changes nothing', async () => {
      const taken = await newUser()
      const u = await newUser()
      const before = await get(u.id)
      const res = await send(
        u.id,
        { op: 'replace', path: 'displayName', value: 'Temp' },
        { op: 'replace', path: 'userName', value: taken.userName.toUpperCase() },
      )
      assert.equal(res.status, 409, res.text)
      assert.equal(res.body.scimType, 'uniqueness')
      assert.deepEqual(await get(u.id), before)
    })

    test('a new primary email un-primaries the old one (RFC 7644 §3.5.2)', async () => {
      const u = await newUser()
      const added = await send(u.id, { op: 'add', path: 'emails', value: [{ value: 'fresh@example.com', type: 'other', primary: true }] })
      assert.equal(added.status, 200, added.text)
      const primaries = emailsOf(added.body).filter((e) => e.primary === true)
      assert.deepEqual(primaries.map((e) => e.value), ['fresh@example.com'])
      assert.equal(emailsOf(added.body).length, 3)

      const switched = await send(u.id, { op: 'replace', path: 'emails[type eq "home"].primary', value: true })
      assert.equal(switched.status, 200, switched.text)
      assert.deepEqual(
        emailsOf(switched.body).filter((e) => e.primary === true).map((e) => e.type),
        ['home'],
      )
    })

    test('values are coerced to the schema: "False" becomes false; a bad type is 400 invalidValue', async () => {
      const u = await newUser()
      const ok = await send(u.id, { op: 'replace', path: 'active', value: 'False' })
      assert.equal(ok.status, 200, ok.text)
      assert.equal(ok.body.active, false)
      const bad = await send(u.id, { op: 'replace', path: 'active', value: 'maybe' })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.scimType, 'invalidValue')
      const notList = await send(u.id, { op: 'replace', path: 'title', value: ['a', 'b'] })
      assert.equal(notList.status, 400)
      assert.equal(notList.body.scimType, 'invalidValue')
    })

    test('removing the required userName is 400', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'remove', path: 'userName' })
      assert.equal(res.status, 400, res.text)
      assert.ok(['invalidValue', 'mutability'].includes(res.body.scimType), res.text)
      assert.equal((await get(u.id)).userName, u.userName)
    })

    test('password can be replaced by PATCH but is never returned', async () => {
      const u = await newUser()
      const res = await send(u.id, { op: 'replace', path: 'password', value: 'n3wS3cret!' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.password, undefined)
    })

    test('?attributes= projects the PATCH response', async () => {
      const u = await newUser()
      const res = await h.scim('PATCH', `/Users/${u.id}?attributes=title`, patch({ op: 'replace', path: 'title', value: 'T2' }))
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(Object.keys(res.body).sort(), ['id', 'schemas', 'title'])
      assert.equal(res.headers.etag, 'W/"2"')
    })

    test('If-Match with the current version succeeds', async () => {
      const u = await newUser()
      const res = await h.scim('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'title', value: 'X' }), { 'if-match': 'W/"1"' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.headers.etag, 'W/"2"')
    })

    test('a malformed PatchOp envelope is 400', async () => {
      const u = await newUser()
      const cases: unknown[] = [
        { schemas: [USER_SCHEMA], Operations: [{ op: 'add', path: 'title', value: 'x' }] },
        patch(),
        { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: {} },
        patch({ op: 'merge', path: 'title', value: 'x' }),
        patch({ path: 'title', value: 'x' }),
        patch({ op: 'add', path: 'title' }),
        patch({ op: 'add', value: 'not an object' }),
        patch('add'),
        [],
      ]
      for (const body of cases) {
        const res = await h.scim('PATCH', `/Users/${u.id}`, body)
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`)
        assert.ok(['invalidSyntax', 'invalidValue'].includes(res.body.scimType), `${JSON.stringify(body)}: ${res.text}`)
      }
      assert.equal((await get(u.id)).meta.version, 'W/"1"')
    })

    test('concurrency: 10 parallel PATCHes adding different emails to one user keep all 10', async () => {
      const u = await newUser({ emails: [] })
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => send(u.id, { op: 'add', path: 'emails', value: [{ value: `p${i}@example.com`, type: 'other' }] })),
      )
      for (const r of results) assert.equal(r.status, 200, r.text)
      const now = await get(u.id)
      assert.deepEqual(emailsOf(now).map((e) => e.value).sort(), Array.from({ length: 10 }, (_, i) => `p${i}@example.com`).sort())
      assert.equal(now.meta.version, 'W/"11"')
    })

    test('PATCH of a missing user is 404', async () => {
      const res = await send('00000000-0000-0000-0000-000000000000', { op: 'replace', path: 'title', value: 'x' })
      assert.equal(res.status, 404)
      assert.equal(res.body.status, '404')
    })
  })
}
