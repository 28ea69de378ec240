import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { group, STORES, startHarness, user, USER_SCHEMA, type Harness } from '../helpers/harness.js'

type Resource = any

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

const search = (extra: Record<string, unknown> = {}) => ({ schemas: [SEARCH_REQUEST], ...extra })
const USERS = ['amy', 'ben', 'cat', 'dan', 'eve', 'fay']
const GROUPS = ['Alpha', 'Beta', 'Gamma']

for (const { name, open } of STORES) {
  describe(`POST .search — RFC 7644 §3.4.3 [${name}]`, () => {
    let h: Harness
    const userIds = new Map<string, string>()
    before(async () => {
      h = await startHarness(open)
      for (const [i, u] of USERS.entries()) {
        const res = await h.scim('POST', '/Users', user(u, {
          displayName: `${u.toUpperCase()} Smith`,
          title: i % 2 ? 'Odd' : 'Even',
          externalId: i < 2 ? 'shared' : `u-${u}`,
          emails: [{ value: `${u}@example.com`, type: 'work' }],
        }))
        assert.equal(res.status, 201, res.text)
        userIds.set(u, res.body.id)
      }
      for (const [i, g] of GROUPS.entries()) {
        const res = await h.scim('POST', '/Groups', group(g, {
          externalId: i === 0 ? 'shared' : `g-${g}`,
          members: [{ value: userIds.get(USERS[i]!) }],
        }))
        assert.equal(res.status, 201, res.text)
      }
    })
    after(() => h.close())

    const post = async (path: string, body: unknown) => {
      const res = await h.scim('POST', path, body)
      assert.equal(res.status, 200, `${path}: ${res.text}`)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, [LIST_SCHEMA])
      return res.body
    }

    test('POST /Users/.search with filter, attributes, sortBy, sortOrder, startIndex, count', async () => {
      const page = await post('/Users/.search', search({
        filter: 'title eq "Even" or userName eq "fay"',
        attributes: ['userName', 'emails'],
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 2,
        count: 2,
      }))
      // Matches amy, cat, eve, fay; descending: fay, eve, cat, amy; page 2..3.
      assert.equal(page.totalResults, 4)
      assert.equal(page.startIndex, 2)
      assert.equal(page.itemsPerPage, 2)
      assert.deepEqual(page.Resources.map((r: Resource) => r.userName), ['eve', 'cat'])
      for (const r of page.Resources) {
        assert.deepEqual(Object.keys(r).sort(), ['emails', 'id', 'schemas', 'userName'])
      }
    })

    test('POST /Users/.search with excludedAttributes and no filter returns every user', async () => {
      const page = await post('/Users/.search', search({ excludedAttributes: ['emails', 'groups'], sortBy: 'userName' }))
      assert.equal(page.totalResults, USERS.length)
      assert.deepEqual(page.Resources.map((r: Resource) => r.userName), USERS)
      for (const r of page.Resources) {
        assert.equal(r.emails, undefined)
        assert.equal(r.groups, undefined)
        assert.ok(r.displayName)
      }
    })

    test('POST /Groups/.search with a filter and attributes', async () => {
      const page = await post('/Groups/.search', search({
        filter: `displayName sw "a" or members.value eq "${userIds.get('cat')}"`,
        attributes: ['displayName'],
        sortBy: 'displayName',
      }))
      assert.equal(page.totalResults, 2)
      assert.deepEqual(page.Resources.map((r: Resource) => r.displayName), ['Alpha', 'Gamma'])
      for (const r of page.Resources) assert.equal(r.members, undefined)
    })

    test('POST /.search at the root mixes users and groups (users first), paging across both', async () => {
      const all = await post('/.search', search({ count: 100 }))
      assert.equal(all.totalResults, USERS.length + GROUPS.length)
      assert.equal(all.Resources.length, USERS.length + GROUPS.length)
      const types = all.Resources.map((r: Resource) => r.meta.resourceType)
      assert.deepEqual(types, [...USERS.map(() => 'User'), ...GROUPS.map(() => 'Group')])

      // A page that straddles the boundary: the last two users and the first group.
      const straddle = await post('/.search', search({ startIndex: USERS.length - 1, count: 3 }))
      assert.equal(straddle.totalResults, USERS.length + GROUPS.length)
      assert.equal(straddle.startIndex, USERS.length - 1)
      assert.equal(straddle.itemsPerPage, 3)
      assert.deepEqual(straddle.Resources.map((r: Resource) => r.meta.resourceType), ['User', 'User', 'Group'])
      assert.deepEqual(straddle.Resources.map((r: Resource) => r.id), all.Resources.slice(USERS.length - 2, USERS.length + 1).map((r: Resource) => r.id))

      const groupsOnly = await post('/.search', search({ startIndex: USERS.length + 2, count: 10 }))
      assert.deepEqual(groupsOnly.Resources.map((r: Resource) => r.id), all.Resources.slice(USERS.length + 1).map((r: Resource) => r.id))

      const counted = await post('/.search', search({ count: 0 }))
      assert.equal(counted.totalResults, USERS.length + GROUPS.length)
      assert.deepEqual(counted.Resources, [])
    })

    test('POST /.search with a filter on an attribute both types have', async () => {
      const page = await post('/.search', search({ filter: 'externalId eq "shared"', attributes: ['externalId'] }))
      assert.equal(page.totalResults, 3)
      const users = new Set(userIds.values())
      assert.equal(page.Resources.filter((r: Resource) => users.has(r.id)).length, 2)
      assert.ok(page.Resources.every((r: Resource) => r.externalId === 'shared'))
    })

    test('POST /.search with a filter only Users understand matches users only', async () => {
      const page = await post('/.search', search({ filter: 'userName sw "a"' }))
      assert.equal(page.totalResults, 1)
      assert.equal(page.Resources[0].userName, 'amy')
    })

    test('a filter neither type understands is 400 invalidFilter', async () => {
      const res = await h.scim('POST', '/.search', search({ filter: 'shoeSize eq "9"' }))
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidFilter')
      const users = await h.scim('POST', '/Users/.search', search({ filter: 'userName eq' }))
      assert.equal(users.status, 400)
      assert.equal(users.body.scimType, 'invalidFilter')
    })

    test('a SearchRequest without its schema is 400', async () => {
      for (const path of ['/Users/.search', '/Groups/.search', '/.search']) {
        const missing = await h.scim('POST', path, { filter: 'userName eq "amy"' })
        assert.equal(missing.status, 400, `${path}: ${missing.text}`)
        assert.deepEqual(missing.body.schemas, [ERROR_SCHEMA])
        const wrong = await h.scim('POST', path, { schemas: [USER_SCHEMA], filter: 'userName eq "amy"' })
        assert.equal(wrong.status, 400, `${path}: ${wrong.text}`)
      }
    })

    test('wrongly typed SearchRequest members are 400', async () => {
      for (const extra of [{ startIndex: 'one' }, { count: 'ten' }, { filter: 42 }]) {
        const res = await h.scim('POST', '/Users/.search', search(extra))
        assert.equal(res.status, 400, `${JSON.stringify(extra)}: ${res.text}`)
      }
    })

    test('the search body is not a place for GET: GET /Users/.search is not a search', async () => {
      const res = await h.scim('GET', '/Users/.search')
      assert.ok([404, 405].includes(res.status), res.text)
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
    })
  })
}
