import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { CURSOR_TIMEOUT_SECONDS, cursorClock } from '../../src/store/cursor.js'
import { group, STORES, startHarness, user, type Harness } from '../helpers/harness.js'

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
const search = (extra: Record<string, unknown> = {}) => ({ schemas: [SEARCH_REQUEST], ...extra })
const USERS = 25

for (const { name, open } of STORES) {
  describe(`Pagination — RFC 9865 cursors and RFC 7644 §3.4.2.4 indexes [${name}]`, () => {
    let h: Harness
    /** userNames in creation order. */
    const created: string[] = []
    before(async () => {
      h = await startHarness(open, { defaultCount: 10, maxResults: 50 })
      for (let i = 0; i < USERS; i++) {
        const userName = `user${String((i * 17) % USERS).padStart(2, '0')}`
        const res = await h.scim('POST', '/Users', user(userName, { title: i % 3 ? `T${i % 4}` : undefined, active: i % 2 === 0 }))
        assert.equal(res.status, 201, res.text)
        created.push(userName)
      }
      for (const g of ['Alpha', 'Beta', 'Gamma']) assert.equal((await h.scim('POST', '/Groups', group(g))).status, 201)
    })
    after(() => h.close())

    /** Follows nextCursor from an empty cursor; `query` is appended to each GET. */
    const walk = async (query: string, count: number) => {
      const names: string[] = []
      const bodies: any[] = []
      let cursor: string | undefined = ''
      while (cursor !== undefined) {
        const res = await h.scim('GET', `/Users?${query}&count=${count}&cursor=${encodeURIComponent(cursor)}`)
        assert.equal(res.status, 200, res.text)
        bodies.push(res.body)
        names.push(...res.body.Resources.map((u: any) => u.userName))
        cursor = res.body.nextCursor
        assert.ok(bodies.length < 100)
      }
      return { names, bodies }
    }

    test('RFC 9865 §4: /ServiceProviderConfig advertises both methods, index the default', async () => {
      const res = await h.scim('GET', '/ServiceProviderConfig')
      assert.deepEqual(res.body.pagination, {
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
        defaultPageSize: 10,
        maxPageSize: 50,
        cursorTimeout: CURSOR_TIMEOUT_SECONDS,
      })
    })

    test('RFC 9865 §2: `cursor` without a value starts a walk; pages carry nextCursor and previousCursor', async () => {
      const first = await h.scim('GET', '/Users?cursor&count=10')
      assert.equal(first.status, 200, first.text)
      assert.deepEqual(Object.keys(first.body).sort(), ['Resources', 'itemsPerPage', 'nextCursor', 'schemas', 'totalResults'])
      assert.deepEqual(first.body.schemas, [LIST_SCHEMA])
      assert.equal(first.body.totalResults, USERS)
      assert.equal(first.body.itemsPerPage, 10)
      assert.match(first.body.nextCursor, /^[A-Za-z0-9._~-]+$/, 'RFC 3986 unreserved characters only')
      const second = await h.scim('GET', `/Users?cursor=${first.body.nextCursor}&count=10`)
      assert.deepEqual(second.body.Resources.map((u: any) => u.userName), created.slice(10, 20))
      assert.equal(typeof second.body.previousCursor, 'string')
      const back = await h.scim('GET', `/Users?cursor=${second.body.previousCursor}&count=10`)
      assert.deepEqual(back.body.Resources, first.body.Resources)
      const third = await h.scim('GET', `/Users?cursor=${second.body.nextCursor}&count=10`)
      assert.equal(third.body.Resources.length, 5)
      assert.equal('nextCursor' in third.body, false, 'the last page has no nextCursor')
      // Without cursor or startIndex: index pagination, as advertised.
      const plain = await h.scim('GET', '/Users')
      assert.equal(plain.body.startIndex, 1)
      assert.equal(plain.body.Resources.length, 10)
      assert.equal('nextCursor' in plain.body, false)
    })

    test('a walk covers every user once, with filter, sortBy and attributes', async () => {
      assert.deepEqual((await walk('', 4)).names, created)
      assert.deepEqual((await walk('sortBy=userName', 7)).names, [...created].sort())
      assert.deepEqual((await walk('sortBy=userName&sortOrder=descending', 7)).names, [...created].sort().reverse())
      const active = created.filter((_, i) => i % 2 === 0)
      const filtered = await walk(`filter=${encodeURIComponent('active eq true')}&sortBy=userName`, 5)
      assert.deepEqual(filtered.names, [...active].sort())
      for (const body of filtered.bodies) assert.equal(body.totalResults, active.length)
      const byTitle = await walk('sortBy=title&attributes=userName,title', 6)
      assert.equal(byTitle.names.length, USERS)
      assert.equal(new Set(byTitle.names).size, USERS)
      assert.deepEqual(Object.keys(byTitle.bodies[0].Resources[0]).sort(), ['id', 'schemas', 'title', 'userName'])
    })

    test('POST /Users/.search takes a `cursor` member', async () => {
      const names: string[] = []
      let cursor: string | undefined = ''
      while (cursor !== undefined) {
        const res = await h.scim('POST', '/Users/.search', search({ cursor, count: 8, sortBy: 'userName' }))
        assert.equal(res.status, 200, res.text)
        names.push(...res.body.Resources.map((u: any) => u.userName))
        cursor = res.body.nextCursor
      }
      assert.deepEqual(names, [...created].sort())
    })

    test('POST /.search at the root walks Users, then Groups', async () => {
      const seen: string[] = []
      let cursor: string | undefined = ''
      let pages = 0
      while (cursor !== undefined) {
        const res = await h.scim('POST', '/.search', search({ cursor, count: 7 }))
        assert.equal(res.status, 200, res.text)
        assert.equal(res.body.totalResults, USERS + 3)
        seen.push(...res.body.Resources.map((r: any) => r.userName ?? r.displayName))
        cursor = res.body.nextCursor
        pages++
      }
      assert.deepEqual(seen, [...created, 'Alpha', 'Beta', 'Gamma'])
      assert.equal(pages, 4)
      const bad = await h.scim('POST', '/.search', search({ cursor: 'Z~nope' }))
      assert.equal(bad.body.scimType, 'invalidCursor')
    })

    test('invalid, tampered, foreign and expired cursors', async () => {
      const first = await h.scim('GET', '/Users?cursor=&count=5')
      const next: string = first.body.nextCursor
      const expectError = async (path: string, scimType: string) => {
        const res = await h.scim('GET', path)
        assert.equal(res.status, 400, res.text)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.scimType, scimType, res.text)
        assert.ok(res.body.detail.startsWith('cursor') || res.body.detail.includes('cursor'), res.body.detail)
      }
      await expectError('/Users?cursor=not-a-cursor', 'invalidCursor')
      const tampered = next.slice(0, 10) + (next[10] === 'a' ? 'b' : 'a') + next.slice(11)
      await expectError(`/Users?cursor=${tampered}`, 'invalidCursor')
      // RFC 9865 §2: the other parameters must be repeated; this cursor belongs to another query.
      await expectError(`/Users?cursor=${next}&sortBy=userName`, 'invalidCursor')
      await expectError(`/Groups?cursor=${next}`, 'invalidCursor')
      const clock = cursorClock.now
      cursorClock.now = () => Date.now() + (CURSOR_TIMEOUT_SECONDS + 60) * 1000
      try {
        await expectError(`/Users?cursor=${next}`, 'expiredCursor')
      } finally {
        cursorClock.now = clock
      }
      const both = await h.scim('GET', `/Users?cursor=${next}&startIndex=3`)
      assert.equal(both.status, 400)
      assert.equal(both.body.scimType, 'invalidValue')
      const bothSearch = await h.scim('POST', '/Users/.search', search({ cursor: '', startIndex: 1 }))
      assert.equal(bothSearch.body.scimType, 'invalidValue')
      const notText = await h.scim('POST', '/Users/.search', search({ cursor: 5 }))
      assert.equal(notText.body.scimType, 'invalidCursor')
    })

    test('a cursor walk during creates and deletes sees no user twice and skips no untouched user', async () => {
      const extra: string[] = []
      const res = await h.scim('GET', '/Users?count=100&attributes=userName')
      const byName = new Map<string, string>(res.body.Resources.map((u: any) => [u.userName, u.id]))
      const deleted = new Set<string>()
      const seen: string[] = []
      let cursor: string | undefined = ''
      for (let page = 0; cursor !== undefined; page++) {
        const body: any = (await h.scim('GET', `/Users?sortBy=userName&count=4&cursor=${cursor}`)).body
        seen.push(...body.Resources.map((u: any) => u.userName))
        cursor = body.nextCursor
        const victim = created[(page * 5 + 2) % created.length]!
        if (!deleted.has(victim)) {
          deleted.add(victim)
          assert.equal((await h.scim('DELETE', `/Users/${byName.get(victim)}`)).status, 204)
        }
        const name = `late${page}`
        extra.push(name)
        assert.equal((await h.scim('POST', '/Users', user(name))).status, 201)
      }
      assert.equal(new Set(seen).size, seen.length, 'no user twice')
      for (const name of created) if (!deleted.has(name)) assert.ok(seen.includes(name), name)
      // totalResults follows every write exactly.
      const total = (await h.scim('GET', '/Users?count=0')).body.totalResults
      assert.equal(total, USERS - deleted.size + extra.length)
      const counted = (await h.scim('GET', `/Users?count=0&filter=${encodeURIComponent('userName pr')}`)).body.totalResults
      assert.equal(total, counted)
      // Put the directory back for the tests that follow.
      for (const name of extra) {
        const id = (await h.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`)).body.Resources[0].id
        await h.scim('DELETE', `/Users/${id}`)
      }
      for (const name of deleted) {
        const res = await h.scim('POST', '/Users', user(name))
        assert.equal(res.status, 201)
        created.splice(created.indexOf(name), 1)
        created.push(name)
      }
    })

    test('startIndex pages: any startIndex equals the slice of the whole list; totalResults exact', async () => {
      const everyone = (await h.scim('GET', '/Users?count=50&attributes=userName')).body.Resources.map((u: any) => u.userName)
      assert.deepEqual(everyone, created)
      for (const [startIndex, count] of [[1, 10], [11, 10], [21, 10], [7, 3], [24, 5], [26, 5], [1, 25], [3, 1]] as const) {
        const body = (await h.scim('GET', `/Users?startIndex=${startIndex}&count=${count}&attributes=userName`)).body
        assert.equal(body.totalResults, USERS)
        assert.equal(body.startIndex, startIndex)
        assert.deepEqual(body.Resources.map((u: any) => u.userName), everyone.slice(startIndex - 1, startIndex - 1 + count))
      }
    })
  })
}
