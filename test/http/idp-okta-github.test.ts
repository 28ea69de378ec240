import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { GROUP_SCHEMA, PATCH_SCHEMA, STORES, startHarness, USER_SCHEMA, type Harness } from '../helpers/harness.js'

/**
 * Request shapes Okta sends and the examples of GitHub's own SCIM API (its OpenAPI description:
 * organizations, Enterprise Managed Users, Enterprise Server), which IdPs and admin scripts copy.
 * Where each was observed: docs/idp-compatibility.md.
 */

type Resource = any

const enc = encodeURIComponent
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const OKTA_HEADERS = { 'user-agent': 'OKTA SCIM Integration', accept: 'application/scim+json', 'content-type': 'application/json' }
const OKTA_GET_HEADERS = { 'user-agent': 'OKTA SCIM Integration', accept: 'application/scim+json' }
const GITHUB_HEADERS = { 'user-agent': 'octokit-rest.js/20.0.0', accept: 'application/scim+json' }

for (const { name, open } of STORES) {
  describe(`Okta request shapes [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    let counter = 0
    /** Okta's create body with an empty groups list. Its password is left to the create-flow test: hashing is slow on purpose. */
    const oktaUser = (overrides: Record<string, unknown> = {}) => {
      const n = ++counter
      return {
        schemas: [USER_SCHEMA],
        userName: `test.user${n}@okta.local`,
        name: { givenName: 'Test', familyName: `User${n}` },
        emails: [{ primary: true, value: `test.user${n}@okta.local`, type: 'work' }],
        displayName: `Test User${n}`,
        locale: 'en-US',
        externalId: `00ujl29u0le5T6Aj10h${n}`,
        groups: [],
        active: true,
        ...overrides,
      }
    }
    const createUser = async (overrides: Record<string, unknown> = {}): Promise<Resource> => {
      const res = await h.scim('POST', '/Users', oktaUser(overrides), OKTA_HEADERS)
      assert.equal(res.status, 201, res.text)
      return res.body
    }
    const patchGroup = (id: string, ...Operations: unknown[]) =>
      h.scim('PATCH', `/Groups/${id}`, { schemas: [PATCH_SCHEMA], Operations }, OKTA_HEADERS)
    const memberIds = async (groupId: string) =>
      (((await h.scim('GET', `/Groups/${groupId}`)).body.members ?? []) as Resource[]).map((m) => m.value).sort()

    test('Okta test connection: GET /Users?startIndex=1&count=2 → ListResponse with Resources, itemsPerPage, startIndex, totalResults', async () => {
      for (let i = 0; i < 3; i++) await createUser()
      const res = await h.scim('GET', '/Users?startIndex=1&count=2', undefined, OKTA_GET_HEADERS)
      assert.equal(res.status, 200, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, [LIST_SCHEMA])
      assert.equal(res.body.startIndex, 1)
      assert.equal(res.body.itemsPerPage, 2)
      assert.equal(res.body.Resources.length, 2)
      assert.ok(res.body.totalResults >= 3)
    })

    test('Okta test connection: GET /Groups?count=100&startIndex=1 → ListResponse', async () => {
      const res = await h.scim('GET', '/Groups?count=100&startIndex=1', undefined, OKTA_GET_HEADERS)
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.schemas, [LIST_SCHEMA])
      assert.equal(res.body.startIndex, 1)
      assert.ok(Array.isArray(res.body.Resources))
      assert.equal(typeof res.body.totalResults, 'number')
      assert.equal(typeof res.body.itemsPerPage, 'number')
    })

    test('Okta create flow: GET filter=userName eq "x"&startIndex=1&count=2 → none, POST → 201, GET (any case) → found', async () => {
      const body = oktaUser({ password: '1mz050nq' })
      const lookup = (userName: string) =>
        h.scim('GET', `/Users?filter=${enc(`userName eq "${userName}"`)}&startIndex=1&count=2`, undefined, OKTA_GET_HEADERS)
      const before = await lookup(body.userName)
      assert.equal(before.status, 200, before.text)
      assert.equal(before.body.totalResults, 0)
      assert.deepEqual(before.body.Resources, [])
      const created = await h.scim('POST', '/Users', body, OKTA_HEADERS)
      assert.equal(created.status, 201, created.text)
      assert.equal(created.body.password, undefined)
      assert.equal(created.body.active, true)
      assert.equal(created.body.locale, 'en-US')
      assert.deepEqual(created.body.groups, [])
      const after = await lookup(body.userName.toUpperCase())
      assert.equal(after.body.totalResults, 1)
      assert.equal(after.body.Resources[0].id, created.body.id)
    })

    test('Okta full PUT to update the profile: 200, active preserved, id in the body ignored', async () => {
      const u = await createUser()
      const res = await h.scim(
        'PUT',
        `/Users/${u.id}`,
        { ...oktaUser({ userName: u.userName, externalId: u.externalId }), id: u.id, name: { givenName: 'Another', familyName: 'Name' } },
        OKTA_HEADERS,
      )
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.id, u.id)
      assert.deepEqual(res.body.name, { givenName: 'Another', familyName: 'Name' })
      assert.equal(res.body.active, true)
      assert.equal(res.body.meta.version, 'W/"2"')
    })

    test('Okta deactivate with a full PUT active:false → 200; still listed; PUT active:true reactivates', async () => {
      const u = await createUser()
      const body = { ...oktaUser({ userName: u.userName, externalId: u.externalId, name: u.name, emails: u.emails }), id: u.id }
      const off = await h.scim('PUT', `/Users/${u.id}`, { ...body, active: false }, OKTA_HEADERS)
      assert.equal(off.status, 200, off.text)
      assert.equal(off.body.active, false)
      const listed = await h.scim('GET', `/Users?filter=${enc(`userName eq "${u.userName}"`)}&startIndex=1&count=2`)
      assert.equal(listed.body.totalResults, 1)
      assert.equal(listed.body.Resources[0].active, false)
      const on = await h.scim('PUT', `/Users/${u.id}`, { ...body, active: true }, OKTA_HEADERS)
      assert.equal(on.body.active, true)
    })

    test('Okta PATCH deactivate {"op":"replace","value":{"active":false}} → 200 with the user', async () => {
      const u = await createUser()
      const res = await h.scim(
        'PATCH',
        `/Users/${u.id}`,
        { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] },
        OKTA_HEADERS,
      )
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      assert.equal(res.body.userName, u.userName)
    })

    test('Okta Group Push: POST /Groups with members {value, display} → 201', async () => {
      const [a, b] = [await createUser(), await createUser()]
      const res = await h.scim(
        'POST',
        '/Groups',
        { schemas: [GROUP_SCHEMA], displayName: 'Okta Pushed Group', members: [{ value: a.id, display: a.userName }, { value: b.id, display: b.userName }] },
        OKTA_HEADERS,
      )
      assert.equal(res.status, 201, res.text)
      assert.deepEqual(res.body.members.map((m: Resource) => m.value).sort(), [a.id, b.id].sort())
    })

    test('Okta Group Push rename: {"op":"replace","value":{"id":gid,"displayName":"..."}} → 204', async () => {
      const g = (await h.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Okta Before' }, OKTA_HEADERS)).body
      const res = await patchGroup(g.id, { op: 'replace', value: { id: g.id, displayName: 'Okta After' } })
      assert.equal(res.status, 204, res.text)
      assert.equal((await h.scim('GET', `/Groups/${g.id}`)).body.displayName, 'Okta After')
    })

    test('Okta Group Push membership: add {value, display}, remove members[value eq "id"] → 204', async () => {
      const [a, b] = [await createUser(), await createUser()]
      const g = (await h.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Okta Members', members: [] }, OKTA_HEADERS)).body
      const add = await patchGroup(g.id, { op: 'add', path: 'members', value: [{ value: a.id, display: a.userName }, { value: b.id, display: b.userName }] })
      assert.equal(add.status, 204, add.text)
      assert.deepEqual(await memberIds(g.id), [a.id, b.id].sort())
      const remove = await patchGroup(g.id, { op: 'remove', path: `members[value eq "${a.id}"]` })
      assert.equal(remove.status, 204, remove.text)
      assert.deepEqual(await memberIds(g.id), [b.id])
      const replace = await patchGroup(g.id, { op: 'replace', path: 'members', value: [{ value: a.id, display: a.userName }] })
      assert.equal(replace.status, 204, replace.text)
      assert.deepEqual(await memberIds(g.id), [a.id])
    })

    test('Okta Group Push delete: DELETE /Groups/{id} → 204; members keep their accounts', async () => {
      const a = await createUser()
      const g = (await h.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Okta Doomed', members: [{ value: a.id }] }, OKTA_HEADERS)).body
      assert.equal((await h.scim('DELETE', `/Groups/${g.id}`, undefined, OKTA_GET_HEADERS)).status, 204)
      const user = await h.scim('GET', `/Users/${a.id}`)
      assert.equal(user.status, 200)
      assert.deepEqual(user.body.groups, [])
    })

    test('Okta errors are SCIM JSON: a bad request is 400 with the Error schema', async () => {
      const res = await h.scim('POST', '/Users', { schemas: [USER_SCHEMA], name: { givenName: 'No userName' } }, OKTA_HEADERS)
      assert.equal(res.status, 400)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
      assert.equal(res.body.status, '400')
      assert.equal(typeof res.body.detail, 'string')
    })
  })

  describe(`GitHub SCIM API examples [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    const gh = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) =>
      h.scim(method, path, body, body === undefined ? GITHUB_HEADERS : { ...GITHUB_HEADERS, 'content-type': 'application/scim+json' })

    let counter = 0
    const createUser = async (overrides: Record<string, unknown> = {}): Promise<Resource> => {
      const n = ++counter
      const res = await gh('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `octo${n}@example.com`,
        externalId: `ext-octo-${n}`,
        name: { givenName: 'Octo', familyName: `Cat${n}` },
        emails: [{ value: `octo${n}@example.com`, type: 'work', primary: true }],
        ...overrides,
      })
      assert.equal(res.status, 201, res.text)
      return res.body
    }

    test('GitHub OpenAPI POST /Users example (no schemas) → 201', async () => {
      const res = await gh('POST', '/Users', {
        userName: 'mona.octocat@okta.example.com',
        externalId: 'a7d0f98382',
        name: { givenName: 'Monalisa', familyName: 'Octocat', formatted: 'Monalisa Octocat' },
        emails: [{ value: 'mona.octocat@okta.example.com', primary: true }, { value: 'monalisa@octocat.github.com' }],
      })
      assert.equal(res.status, 201, res.text)
      assert.equal(res.body.userName, 'mona.octocat@okta.example.com')
      assert.equal(res.body.externalId, 'a7d0f98382')
      assert.equal(res.body.emails.length, 2)
      assert.deepEqual(res.body.schemas, [USER_SCHEMA])
      // The response shape GitHub documents: id, groups, meta with location.
      assert.ok(res.body.id)
      assert.deepEqual(res.body.groups, [])
      assert.equal(res.body.meta.resourceType, 'User')
      assert.ok(res.body.meta.created && res.body.meta.lastModified && res.body.meta.location)
    })

    test('GitHub OpenAPI deactivation PATCH (no schemas, no path): {"Operations":[{"op":"replace","value":{"active":false}}]} → 200', async () => {
      const u = await createUser()
      const res = await gh('PATCH', `/Users/${u.id}`, { Operations: [{ op: 'replace', value: { active: false } }] })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
    })

    test('GitHub EMU PATCH example: replace active false', async () => {
      const u = await createUser()
      const res = await gh('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      // Soft-deprovisioned users are still listed, as GitHub lists them.
      const listed = await gh('GET', `/Users?filter=${enc(`userName eq "${u.userName}"`)}`)
      assert.equal(listed.body.totalResults, 1)
    })

    test('GitHub EMU PATCH example: replace userName and displayName', async () => {
      const u = await createUser()
      const res = await gh('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [
          { op: 'replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
          { op: 'replace', path: 'displayName', value: 'Monalisa Octocat' },
        ],
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com')
      assert.equal(res.body.displayName, 'Monalisa Octocat')
    })

    test('GitHub EMU PUT example with active false and roles [{"value":"User"}] → 200, still listed', async () => {
      const u = await createUser({ userName: 'E012345', externalId: 'E012345' })
      const res = await gh('PUT', `/Users/${u.id}`, {
        schemas: [USER_SCHEMA],
        externalId: 'E012345',
        active: false,
        userName: 'E012345',
        name: { familyName: 'Octocat', givenName: 'Mona', middleName: 'Lisa' },
        displayName: 'Mona Lisa',
        emails: [{ value: 'mlisa@example.com', type: 'work', primary: true }],
        roles: [{ value: 'User' }],
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      assert.deepEqual(res.body.roles, [{ value: 'User' }])
      assert.deepEqual(res.body.emails, [{ value: 'mlisa@example.com', type: 'work', primary: true }])
      assert.deepEqual(res.body.name, { familyName: 'Octocat', givenName: 'Mona', middleName: 'Lisa' })
      const listed = await gh('GET', `/Users?filter=${enc("externalId eq 'E012345'")}`)
      assert.equal(listed.status, 200, listed.text)
      assert.equal(listed.body.totalResults, 1)
      assert.equal(listed.body.Resources[0].active, false)
    })

    test("GitHub EMU filters with single-quoted values: userName eq 'E012345', externalId eq 'E012345'", async () => {
      const u = await createUser({ userName: 'E099999', externalId: 'X099999' })
      for (const filter of ["userName eq 'E099999'", "userName eq 'e099999'", "externalId eq 'X099999'"]) {
        const res = await gh('GET', `/Users?filter=${enc(filter)}`)
        assert.equal(res.status, 200, `${filter}: ${res.text}`)
        assert.equal(res.body.totalResults, 1, filter)
        assert.equal(res.body.Resources[0].id, u.id)
      }
    })

    test('GitHub org filters: ?filter=userName%20eq%20"Octocat", emails eq, id eq, displayName eq', async () => {
      const u = await createUser({ userName: 'Octocat', displayName: 'The Octocat', emails: [{ value: 'octocat@github.com', primary: true }] })
      const raw = await gh('GET', '/Users?filter=userName%20eq%20%22octocat%22')
      assert.equal(raw.status, 200, raw.text)
      assert.equal(raw.body.totalResults, 1)
      for (const filter of ['emails eq "octocat@github.com"', `id eq "${u.id}"`, 'displayName eq "The Octocat"']) {
        const res = await gh('GET', `/Users?filter=${enc(filter)}`)
        assert.equal(res.status, 200, `${filter}: ${res.text}`)
        assert.equal(res.body.totalResults, 1, filter)
      }
    })

    test('GitHub list response has schemas, totalResults, Resources, startIndex and itemsPerPage', async () => {
      await createUser()
      const res = await gh('GET', '/Users?startIndex=1&count=1')
      assert.deepEqual(res.body.schemas, [LIST_SCHEMA])
      assert.equal(typeof res.body.totalResults, 'number')
      assert.equal(res.body.startIndex, 1)
      assert.equal(res.body.itemsPerPage, 1)
      assert.equal(res.body.Resources.length, 1)
    })

    test('GitHub EMU group create: members [{value, displayName}] → 201 with value, $ref, display', async () => {
      const [a, b] = [await createUser({ displayName: 'Octo A' }), await createUser()]
      const res = await gh('POST', '/Groups', {
        schemas: [GROUP_SCHEMA],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'Engineering',
        members: [{ value: a.id, displayName: 'Octo A' }, { value: b.id, displayName: b.userName }],
      })
      assert.equal(res.status, 201, res.text)
      assert.equal(res.body.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159')
      const members = res.body.members as Resource[]
      assert.deepEqual(members.map((m) => m.value).sort(), [a.id, b.id].sort())
      for (const m of members) {
        assert.ok(m.$ref.endsWith(`/Users/${m.value}`))
        assert.equal(typeof m.display, 'string')
      }
      const user = await gh('GET', `/Users/${a.id}`)
      assert.deepEqual(user.body.groups.map((g: Resource) => [g.value, g.display]), [[res.body.id, 'Engineering']])
      assert.ok(user.body.groups[0].$ref.endsWith(`/Groups/${res.body.id}`))
    })

    test('GitHub EMU group PATCH example: add two members → 200 or 204', async () => {
      const [a, b] = [await createUser(), await createUser()]
      const g = (await gh('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'GH Patch Group' })).body
      const res = await gh('PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id }] }],
      })
      assert.ok([200, 204].includes(res.status), res.text)
      const now = await gh('GET', `/Groups/${g.id}`)
      assert.deepEqual(now.body.members.map((m: Resource) => m.value).sort(), [a.id, b.id].sort())
    })

    test('GitHub EMU group PUT replaces everything, membership included', async () => {
      const a = await createUser()
      const g = (await gh('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'GH Put Group', externalId: 'gh-put', members: [{ value: a.id }] })).body
      const res = await gh('PUT', `/Groups/${g.id}`, { schemas: [GROUP_SCHEMA], displayName: 'GH Put Group 2' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.displayName, 'GH Put Group 2')
      assert.equal(res.body.externalId, undefined)
      assert.deepEqual(res.body.members ?? [], [])
    })

    test('GitHub EMU group filters: externalId eq, displayName eq, id eq with excludedAttributes=members', async () => {
      const a = await createUser()
      const g = (await gh('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'GH Filter Group', externalId: 'gh-filter', members: [{ value: a.id }] })).body
      for (const filter of ['externalId eq "gh-filter"', 'displayName eq "GH Filter Group"', `id eq "${g.id}"`]) {
        const res = await gh('GET', `/Groups?excludedAttributes=members&filter=${enc(filter)}`)
        assert.equal(res.status, 200, `${filter}: ${res.text}`)
        assert.equal(res.body.totalResults, 1, filter)
        assert.equal(res.body.Resources[0].members, undefined)
      }
    })

    test('GitHub hard delete: DELETE /Users/{id} → 204, no longer listed, userName reusable', async () => {
      const u = await createUser()
      assert.equal((await gh('DELETE', `/Users/${u.id}`)).status, 204)
      const listed = await gh('GET', `/Users?filter=${enc(`userName eq "${u.userName}"`)}`)
      assert.equal(listed.body.totalResults, 0)
      await createUser({ userName: u.userName })
    })

    test('GitHub: a userName collision is 409 uniqueness; an over-length userName is 400', async () => {
      const u = await createUser()
      const dup = await gh('POST', '/Users', { schemas: [USER_SCHEMA], userName: u.userName.toUpperCase() })
      assert.equal(dup.status, 409, dup.text)
      assert.equal(dup.body.scimType, 'uniqueness')
      assert.equal(dup.body.status, '409')
      const long = await gh('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'x'.repeat(70_000) })
      assert.equal(long.status, 400, long.text.slice(0, 300))
      assert.equal(long.body.scimType, 'invalidValue')
    })

    test('GitHub EMU and GHES base URLs: /scim/v2/enterprises/{slug} and /api/v3/scim/v2 serve their own tenants', async () => {
      const enterprise = await createTenant(h.store, 'enterprise', 'octo-corp')
      const { token: enterpriseToken } = await issueToken(h.store, enterprise)
      const instance = await h.store.findTenant('instance', '')
      assert.ok(instance, 'the instance tenant exists after migrate()')
      const { token: instanceToken } = await issueToken(h.store, instance)

      const orgUser = await createUser()
      const auth = (token: string) => ({ ...GITHUB_HEADERS, authorization: `Bearer ${token}` })
      const emuCreate = await h.raw({
        method: 'POST',
        url: '/scim/v2/enterprises/octo-corp/Users',
        headers: { ...auth(enterpriseToken), 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ schemas: [USER_SCHEMA], userName: orgUser.userName }),
      })
      // Tenants are isolated: the same userName is free in another tenant.
      assert.equal(emuCreate.status, 201, emuCreate.text)
      assert.equal(emuCreate.body.meta.location, `https://roster.test/scim/v2/enterprises/octo-corp/Users/${emuCreate.body.id}`)

      const emuList = await h.raw({ method: 'GET', url: '/scim/v2/enterprises/octo-corp/Users', headers: auth(enterpriseToken) })
      assert.equal(emuList.status, 200, emuList.text)
      assert.deepEqual(emuList.body.Resources.map((r: Resource) => r.id), [emuCreate.body.id])

      for (const url of ['/api/v3/scim/v2/Users', '/scim/v2/Users']) {
        const ghes = await h.raw({ method: 'GET', url, headers: auth(instanceToken) })
        assert.equal(ghes.status, 200, `${url}: ${ghes.text}`)
        assert.equal(ghes.body.totalResults, 0)
      }

      // A token only opens its own tenant.
      const cross = await h.raw({ method: 'GET', url: '/scim/v2/enterprises/octo-corp/Users', headers: auth(h.token) })
      assert.equal(cross.status, 401)
      const cross2 = await h.raw({ method: 'GET', url: `/scim/v2/enterprises/octo-corp/Users/${orgUser.id}`, headers: auth(enterpriseToken) })
      assert.equal(cross2.status, 404)
      const cross3 = await h.raw({ method: 'GET', url: '/api/v3/scim/v2/Users', headers: auth(enterpriseToken) })
      assert.equal(cross3.status, 401)
    })

    test('GitHub error bodies: status is a JSON string (RFC 7644 §3.12), schemas is the Error URN', async () => {
      const res = await gh('GET', '/Users/does-not-exist')
      assert.equal(res.status, 404)
      assert.equal(typeof res.body.status, 'string')
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
    })
  })
}
