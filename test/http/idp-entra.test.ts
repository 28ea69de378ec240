import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, STORES, startHarness, USER_SCHEMA, type Harness } from '../helpers/harness.js'

/**
 * Request shapes Microsoft Entra ID's provisioning service sends (docs/idp-compatibility.md,
 * *Microsoft Entra ID*), with Entra's own headers: `Content-Type: application/json` and no SCIM
 * media type.
 */

type Resource = any

const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'
const JSON_TYPE = { 'content-type': 'application/json' }
const enc = encodeURIComponent
const entraPatch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })

for (const { name, open } of STORES) {
  describe(`Microsoft Entra ID request shapes [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    let counter = 0
    /** The body Entra POSTs for a new user it found no match for. */
    const entraUser = (overrides: Record<string, unknown> = {}) => {
      const n = ++counter
      return {
        schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
        externalId: `mailNickname${n}`,
        userName: `user${n}@contoso.onmicrosoft.com`,
        active: true,
        emails: [{ primary: true, type: 'work', value: `user${n}@contoso.com` }],
        meta: { resourceType: 'User' },
        name: { formatted: `Given${n} Family${n}`, familyName: `Family${n}`, givenName: `Given${n}` },
        roles: [],
        ...overrides,
      }
    }
    const createUser = async (overrides: Record<string, unknown> = {}): Promise<Resource> => {
      const res = await h.scim('POST', '/Users', entraUser(overrides), JSON_TYPE)
      assert.equal(res.status, 201, res.text)
      return res.body
    }
    const patchUser = (id: string, ...ops: unknown[]) => h.scim('PATCH', `/Users/${id}`, entraPatch(...ops), JSON_TYPE)
    const patchGroup = (id: string, ...ops: unknown[]) => h.scim('PATCH', `/Groups/${id}`, entraPatch(...ops), JSON_TYPE)
    const createGroup = async (displayName: string): Promise<Resource> => {
      const res = await h.scim(
        'POST',
        '/Groups',
        { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId: `oid-${++counter}`, displayName, meta: { resourceType: 'Group' } },
        JSON_TYPE,
      )
      assert.equal(res.status, 201, res.text)
      return res.body
    }
    const memberIds = async (groupId: string) =>
      (((await h.scim('GET', `/Groups/${groupId}`)).body.members ?? []) as Resource[]).map((m) => m.value).sort()

    test('Entra test connection: GET /Users?filter=userName eq "non-existent user" → 200, empty ListResponse', async () => {
      const res = await h.scim('GET', `/Users?filter=${enc('userName eq "non-existent user"')}`)
      assert.equal(res.status, 200, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.equal(res.body.totalResults, 0)
      assert.deepEqual(res.body.Resources, [])
    })

    test('Entra test connection: random GUID filters on Users and Groups → 200, empty', async () => {
      const guid = '4e5a1a2b-7c9d-4e3f-8a1b-2c3d4e5f6a7b'
      for (const path of [`/Users?filter=${enc(`userName eq "${guid}"`)}`, `/Groups?filter=${enc(`displayName eq "${guid}"`)}`, `/Groups?excludedAttributes=members&filter=${enc(`externalId eq "${guid}"`)}`]) {
        const res = await h.scim('GET', path)
        assert.equal(res.status, 200, `${path}: ${res.text}`)
        assert.equal(res.body.totalResults, 0)
        assert.deepEqual(res.body.Resources, [])
      }
    })

    test('Entra create user: core + enterprise schemas, meta.resourceType, roles: [], application/json → 201', async () => {
      const body = entraUser({
        [ENTERPRISE_SCHEMA]: { employeeNumber: '12345', department: 'Finance' },
      })
      const res = await h.scim('POST', '/Users', body, JSON_TYPE)
      assert.equal(res.status, 201, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.ok(res.body.id)
      assert.equal(res.body.userName, body.userName)
      assert.equal(res.body.externalId, body.externalId)
      assert.equal(res.body.active, true)
      assert.deepEqual(res.body.emails, body.emails)
      assert.deepEqual(res.body.name, body.name)
      assert.equal(res.body.meta.resourceType, 'User')
      assert.deepEqual(res.body.roles ?? [], [])
      assert.equal(res.body[ENTERPRISE_SCHEMA].department, 'Finance')
      assert.deepEqual(res.body.schemas, [USER_SCHEMA, ENTERPRISE_SCHEMA])
      // The returned id is what Entra caches and uses for every later call.
      assert.equal((await h.scim('GET', `/Users/${res.body.id}`)).body.userName, body.userName)
    })

    test('Entra create user with primary "True" as a string → stored as boolean', async () => {
      const res = await h.scim(
        'POST',
        '/Users',
        entraUser({ emails: [{ primary: 'True', type: 'work', value: 'stringly@contoso.com' }], active: 'True' }),
        JSON_TYPE,
      )
      assert.equal(res.status, 201, res.text)
      assert.equal(res.body.emails[0].primary, true)
      assert.equal(res.body.active, true)
    })

    test('Entra matching queries: userName eq, externalId eq (quoted and unquoted), and "and"', async () => {
      const u = await createUser()
      const queries = [
        `userName eq "${u.userName}"`,
        `userName eq "${u.userName.toUpperCase()}"`,
        `externalId eq "${u.externalId}"`,
        `externalId eq ${u.externalId}`,
        `userName eq "${u.userName}" and externalId eq "${u.externalId}"`,
      ]
      for (const filter of queries) {
        const res = await h.scim('GET', `/Users?filter=${enc(filter)}`)
        assert.equal(res.status, 200, `${filter}: ${res.text}`)
        assert.equal(res.body.totalResults, 1, filter)
        assert.equal(res.body.Resources[0].id, u.id)
      }
    })

    test('Entra create of a userName that exists → 409 uniqueness (so Entra matches instead of duplicating)', async () => {
      const u = await createUser()
      const res = await h.scim('POST', '/Users', entraUser({ userName: u.userName }), JSON_TYPE)
      assert.equal(res.status, 409, res.text)
      assert.equal(res.body.scimType, 'uniqueness')
    })

    test('Entra PATCH with capitalised ops Replace / Add / Remove', async () => {
      const u = await createUser({ title: 'Old title' })
      const res = await patchUser(
        u.id,
        { op: 'Replace', path: 'displayName', value: 'New Display' },
        { op: 'Add', path: 'nickName', value: 'Nick' },
        { op: 'Remove', path: 'title' },
        { op: 'Replace', path: 'name.familyName', value: 'Renamed' },
        { op: 'Replace', path: 'userName', value: `renamed.${u.userName}` },
      )
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.displayName, 'New Display')
      assert.equal(res.body.nickName, 'Nick')
      assert.equal(res.body.title, undefined)
      assert.equal(res.body.name.familyName, 'Renamed')
      assert.equal(res.body.userName, `renamed.${u.userName}`)
    })

    test('Entra deactivate: {"op":"Replace","path":"active","value":"False"} → active false, still listed', async () => {
      const u = await createUser()
      const res = await patchUser(u.id, { op: 'Replace', path: 'active', value: 'False' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      // Users are returned whether active or not: only a hard delete hides them from Entra.
      const listed = await h.scim('GET', `/Users?filter=${enc(`userName eq "${u.userName}"`)}`)
      assert.equal(listed.body.totalResults, 1)
      assert.equal(listed.body.Resources[0].active, false)
      const back = await patchUser(u.id, { op: 'Replace', path: 'active', value: 'True' })
      assert.equal(back.body.active, true)
    })

    test('Entra deactivate with the aadOptscim062020 flag: lowercase replace, boolean false', async () => {
      const u = await createUser()
      const res = await patchUser(u.id, { op: 'replace', path: 'active', value: false })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      const lower = await patchUser(u.id, { op: 'Replace', path: 'active', value: 'true' })
      assert.equal(lower.body.active, true)
    })

    test('Entra no-path replace with dotted and URN keys (aadOptscim062020)', async () => {
      const u = await createUser()
      const res = await patchUser(u.id, {
        op: 'replace',
        value: {
          'name.givenName': 'X',
          [`${ENTERPRISE_SCHEMA}:department`]: 'Y',
          active: false,
        },
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.name.givenName, 'X')
      assert.equal(res.body.name.familyName, u.name.familyName)
      assert.equal(res.body[ENTERPRISE_SCHEMA].department, 'Y')
      assert.equal(res.body.active, false)
      assert.ok(res.body.schemas.includes(ENTERPRISE_SCHEMA))
      // Nothing was stored under a literal dotted or URN key.
      assert.equal(res.body['name.givenName'], undefined)
      assert.equal(res.body[`${ENTERPRISE_SCHEMA}:department`], undefined)
    })

    test('Entra "replace multiple attributes" example from the aadOptscim062020 docs, verbatim', async () => {
      const u = await createUser()
      const res = await patchUser(
        u.id,
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            [`${ENTERPRISE_SCHEMA}:employeeNumber`]: 'Aklq',
          },
        },
      )
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.emails, [{ primary: true, type: 'work', value: 'TestMhvaes@test.microsoft.com' }])
      assert.equal(res.body.displayName, 'Bjfe')
      assert.deepEqual(res.body.name, { ...u.name, givenName: 'Kkom', familyName: 'Unua' })
      assert.equal(res.body[ENTERPRISE_SCHEMA].employeeNumber, 'Aklq')
    })

    test('Entra replace emails[type eq "work"].value when there is no work email creates it', async () => {
      const u = await createUser({ emails: [{ type: 'home', value: 'home@contoso.com' }] })
      const res = await patchUser(u.id, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'work@contoso.com' })
      assert.equal(res.status, 200, res.text)
      const work = res.body.emails.filter((e: Resource) => e.type === 'work')
      assert.deepEqual(work.map((e: Resource) => e.value), ['work@contoso.com'])
      assert.ok(res.body.emails.some((e: Resource) => e.value === 'home@contoso.com'))

      const none = await createUser({ emails: undefined })
      const added = await patchUser(none.id, { op: 'Add', path: 'emails[type eq "work"].value', value: 'first@contoso.com' })
      assert.equal(added.status, 200, added.text)
      assert.deepEqual(added.body.emails, [{ type: 'work', value: 'first@contoso.com' }])
    })

    test('Entra replace addresses[type eq "work"].streetAddress with no address creates it', async () => {
      const u = await createUser()
      const res = await patchUser(
        u.id,
        { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Microsoft Way' },
        { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Redmond' },
        { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      )
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.addresses, [{ type: 'work', streetAddress: '1 Microsoft Way', locality: 'Redmond' }])
      assert.deepEqual(res.body.phoneNumbers, [{ type: 'mobile', value: '+1 555 0100' }])
    })

    test('Entra manager as a plain id: add, replace and remove the enterprise manager', async () => {
      const boss = await createUser()
      const other = await createUser()
      const u = await createUser()
      const added = await patchUser(u.id, { op: 'add', path: `${ENTERPRISE_SCHEMA}:manager`, value: boss.id })
      assert.equal(added.status, 200, added.text)
      assert.equal(added.body[ENTERPRISE_SCHEMA].manager.value, boss.id)
      const replaced = await patchUser(u.id, { op: 'Replace', path: `${ENTERPRISE_SCHEMA}:manager`, value: other.id })
      assert.equal(replaced.status, 200, replaced.text)
      assert.equal(replaced.body[ENTERPRISE_SCHEMA].manager.value, other.id)
      const removed = await patchUser(u.id, { op: 'Remove', path: `${ENTERPRISE_SCHEMA}:manager` })
      assert.equal(removed.status, 200, removed.text)
      assert.equal(removed.body[ENTERPRISE_SCHEMA]?.manager, undefined)
    })

    test('Entra app role: {"op":"Add","path":"roles[primary eq \\"True\\"].value","value":"Admin"} (string boolean in a filter)', async () => {
      const u = await createUser()
      const added = await patchUser(u.id, { op: 'Add', path: 'roles[primary eq "True"].value', value: 'Admin' })
      assert.equal(added.status, 200, added.text)
      assert.deepEqual(added.body.roles, [{ primary: true, value: 'Admin' }])
      const replaced = await patchUser(u.id, { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Reader' })
      assert.equal(replaced.status, 200, replaced.text)
      assert.deepEqual(replaced.body.roles, [{ primary: true, value: 'Reader' }])
    })

    test('Entra Add of a single-valued attribute that already has a value replaces it', async () => {
      const u = await createUser({ title: 'First' })
      const res = await patchUser(u.id, { op: 'Add', path: 'title', value: 'Second' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.title, 'Second')
    })

    test('Entra PATCH to a tenant URL with ?aadOptscim062020: the unknown query parameter is ignored', async () => {
      const u = await createUser()
      const res = await h.scim('PATCH', `/Users/${u.id}?aadOptscim062020`, entraPatch({ op: 'replace', path: 'active', value: false }), JSON_TYPE)
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      const list = await h.scim('GET', `/Users?aadOptscim062020&filter=${enc(`userName eq "${u.userName}"`)}`)
      assert.equal(list.status, 200, list.text)
      assert.equal(list.body.totalResults, 1)
    })

    test('Entra group create with the ADSCIM Group URN and no members → 201', async () => {
      const res = await h.scim(
        'POST',
        '/Groups',
        { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId: 'f3c2a1b0-entra-object-id', displayName: 'Entra Security Group', meta: { resourceType: 'Group' } },
        JSON_TYPE,
      )
      assert.equal(res.status, 201, res.text)
      assert.ok(res.body.id)
      assert.equal(res.body.displayName, 'Entra Security Group')
      assert.equal(res.body.externalId, 'f3c2a1b0-entra-object-id')
      assert.ok(res.body.schemas.includes(GROUP_SCHEMA))
      assert.deepEqual(res.body.members ?? [], [])
    })

    test('Entra group GETs: /Groups/{id}?excludedAttributes=members and /Groups?excludedAttributes=members&filter=displayName eq', async () => {
      const u = await createUser()
      const g = await createGroup('Entra Lookup Group')
      assert.equal((await patchGroup(g.id, { op: 'Add', path: 'members', value: [{ $ref: null, value: u.id }] })).status, 204)
      const one = await h.scim('GET', `/Groups/${g.id}?excludedAttributes=members`)
      assert.equal(one.status, 200, one.text)
      assert.equal(one.body.members, undefined)
      assert.equal(one.body.displayName, 'Entra Lookup Group')
      const list = await h.scim('GET', `/Groups?excludedAttributes=members&filter=${enc('displayName eq "Entra Lookup Group"')}`)
      assert.equal(list.status, 200, list.text)
      assert.equal(list.body.totalResults, 1)
      assert.equal(list.body.Resources[0].id, g.id)
      assert.equal(list.body.Resources[0].members, undefined)
      const byExternalId = await h.scim('GET', `/Groups?excludedAttributes=members&filter=${enc(`externalId eq "${g.externalId}"`)}`)
      assert.equal(byExternalId.body.totalResults, 1)
    })

    test('Entra member add {"op":"Add","path":"members","value":[{"$ref":null,"value":id}]} → 204', async () => {
      const [a, b] = [await createUser(), await createUser()]
      const g = await createGroup('Entra Add Group')
      const res = await patchGroup(g.id, { op: 'Add', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }] })
      assert.equal(res.status, 204, res.text)
      assert.equal(res.text, '')
      assert.deepEqual(await memberIds(g.id), [a.id, b.id].sort())
    })

    test('Entra member remove without the flag: {"op":"Remove","path":"members","value":[{"value":id}]} removes only that member', async () => {
      const [a, b] = [await createUser(), await createUser()]
      const g = await createGroup('Entra Remove Group')
      await patchGroup(g.id, { op: 'Add', path: 'members', value: [{ value: a.id }, { value: b.id }] })
      const res = await patchGroup(g.id, { op: 'Remove', path: 'members', value: [{ value: a.id }] })
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await memberIds(g.id), [b.id])
    })

    test('Entra member remove with the flag: {"op":"remove","path":"members[value eq \\"id\\"]"} → 204', async () => {
      const [a, b] = [await createUser(), await createUser()]
      const g = await createGroup('Entra Flag Remove Group')
      await patchGroup(g.id, { op: 'Add', path: 'members', value: [{ value: a.id }, { value: b.id }] })
      const res = await patchGroup(g.id, { op: 'remove', path: `members[value eq "${b.id}"]` })
      assert.equal(res.status, 204, res.text)
      assert.deepEqual(await memberIds(g.id), [a.id])
    })

    test('Entra group rename {"op":"Replace","path":"displayName"} → 204', async () => {
      const g = await createGroup('Entra Old Name')
      const res = await patchGroup(g.id, { op: 'Replace', path: 'displayName', value: 'Entra New Name' })
      assert.equal(res.status, 204, res.text)
      assert.equal((await h.scim('GET', `/Groups/${g.id}`)).body.displayName, 'Entra New Name')
    })

    test('Entra group member add naming a user that does not exist (reference failure) → 400, not 5xx', async () => {
      const g = await createGroup('Entra Dangling Group')
      const res = await patchGroup(g.id, { op: 'Add', path: 'members', value: [{ $ref: null, value: 'a-user-entra-never-created' }] })
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
    })

    test('Entra hard delete: DELETE /Users/{id} → 204, then gone from lists and groups', async () => {
      const u = await createUser()
      const g = await createGroup('Entra Delete Group')
      await patchGroup(g.id, { op: 'Add', path: 'members', value: [{ value: u.id }] })
      const res = await h.scim('DELETE', `/Users/${u.id}`)
      assert.equal(res.status, 204)
      const listed = await h.scim('GET', `/Users?filter=${enc(`userName eq "${u.userName}"`)}`)
      assert.equal(listed.body.totalResults, 0)
      assert.deepEqual(await memberIds(g.id), [])
      assert.equal((await h.scim('DELETE', `/Groups/${g.id}`)).status, 204)
    })

    test('Entra expects SCIM errors: a 404 for an unknown id has the Error schema and a string status', async () => {
      const res = await h.scim('GET', '/Users/unknown-entra-id')
      assert.equal(res.status, 404)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
      assert.equal(res.body.status, '404')
    })
  })
}
