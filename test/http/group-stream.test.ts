import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { MEMBER_PAGE_SIZE } from '../../src/http/group-stream.js'
import { projectionFromQuery } from '../../src/http/projection.js'
import { renderResource } from '../../src/provisioning/render.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type { MemberPosition, ResourceTypeId, StoredResource, Tenant, TenantStore } from '../../src/store/contract.js'
import { group, patch, STORES, startHarness, USER_SCHEMA, type Harness } from '../helpers/harness.js'

const GROUP = defaultRegistry().require('Group')
const LARGE = 2500

/** What the tenant stores handed to requests were asked, to see how members are read. */
interface Reads {
  pages: { limit: number; after: MemberPosition | undefined }[]
  whole: number
  failAtPage?: number
}

for (const { name, open } of STORES) {
  describe(`GET /Groups/{id} streams large member lists — RFC 7644 §3.4.1 [${name}]`, () => {
    let h: Harness
    let ts: TenantStore
    let reads: Reads
    let large: string
    let small: string
    let userIds: string[]
    const baseUrl = () => `https://roster.test${h.base}`

    before(async () => {
      h = await startHarness(open)
      ts = h.store.forTenant(h.tenant)
      // Count the member reads of every request; optionally fail one page.
      const forTenant = h.store.forTenant.bind(h.store)
      h.store.forTenant = (tenant: Tenant) => {
        const inner = forTenant(tenant)
        const spied: Partial<TenantStore> = {
          memberPage: async (groupId, after, limit) => {
            reads.pages.push({ limit, after })
            if (reads.pages.length === reads.failAtPage) throw new Error('the database went away')
            return inner.memberPage(groupId, after, limit)
          },
          members: (groupId) => {
            reads.whole++
            return inner.members(groupId)
          },
        }
        return new Proxy(inner, {
          get: (target, key) => {
            const own = spied[key as keyof TenantStore]
            if (own) return own
            const value = Reflect.get(target, key, target) as unknown
            return typeof value === 'function' ? value.bind(target) : value
          },
        })
      }
      userIds = await createUsers(LARGE + 10)
      large = await createGroup('Large', userIds.slice(0, LARGE))
      small = await createGroup('Small', userIds.slice(LARGE, LARGE + 10))
    })
    after(() => h.close())

    /** Users straight into the store: 2,500 POSTs would only slow the test down. */
    async function createUsers(n: number): Promise<string[]> {
      const now = new Date().toISOString()
      const created = await ts.transaction(async (tx) => {
        const out: StoredResource[] = []
        for (let i = 0; i < n; i++) {
          const document = {
            schemas: [USER_SCHEMA],
            userName: `streamed.${i}@example.com`,
            // Every other member has a displayName; display falls back to userName; one needs escaping.
            ...(i % 2 === 0 && { displayName: i === 2 ? 'Quote " and \u2028 \ud83d\ude00' : `User ${i}` }),
          }
          out.push(await tx.insert({ id: `user-${i}-${'x'.repeat(8)}`, resourceType: 'User', created: now, lastModified: now, document }))
        }
        return out
      })
      return created.map((u) => u.id)
    }

    async function createGroup(displayName: string, members: string[]): Promise<string> {
      const res = await h.scim('POST', '/Groups', group(displayName, { externalId: `ext-${displayName}` }))
      assert.equal(res.status, 201, res.text)
      const id = res.body.id as string
      // A nested group too, so members carry both types.
      const nested = await h.scim('POST', '/Groups', group(`${displayName} nested`))
      const list: { value: string; type: ResourceTypeId }[] = members.map((value) => ({ value, type: 'User' }))
      list.splice(1, 0, { value: nested.body.id as string, type: 'Group' })
      await ts.transaction((tx) => tx.addMembers(id, list))
      return id
    }

    /** Today's answer, built in memory from the whole member list: the body a stream must equal. */
    async function expected(id: string, query: Record<string, string> = {}): Promise<string> {
      const stored = await ts.get('Group', id)
      const projection = projectionFromQuery(GROUP, query)
      const members = projection.wanted.members ? await ts.members(id) : []
      return JSON.stringify(projection.apply(renderResource(stored!, projection.wanted.members ? { members } : {}, baseUrl())))
    }

    const get = async (path: string, headers: Record<string, string> = {}) => {
      reads = { pages: [], whole: 0 }
      return h.scim('GET', path, undefined, headers)
    }

    test(`a group of ${LARGE + 1} members: the same body, headers and ETag as in memory, without Content-Length`, async () => {
      const res = await get(`/Groups/${large}`)
      assert.equal(res.status, 200)
      assert.equal(res.text, await expected(large))
      assert.equal(res.body.members.length, LARGE + 1)
      assert.deepEqual(res.body.members.slice(0, 3), [
        { value: userIds[0], $ref: `${baseUrl()}/Users/${userIds[0]}`, type: 'User', display: 'User 0' },
        { value: res.body.members[1].value, $ref: `${baseUrl()}/Groups/${res.body.members[1].value}`, type: 'Group', display: 'Large nested' },
        { value: userIds[1], $ref: `${baseUrl()}/Users/${userIds[1]}`, type: 'User', display: 'streamed.1@example.com' },
      ])
      assert.deepEqual(Object.keys(res.body).slice(-2), ['members', 'meta'])
      assert.equal(res.headers['content-type'], 'application/scim+json; charset=utf-8')
      assert.equal(res.headers.etag, res.body.meta.version)
      assert.equal(res.headers['content-length'], undefined)
    })

    test('members are read a page at a time, never as a whole list; the pages follow the group size', async () => {
      await get(`/Groups/${large}`)
      const pages = Math.ceil((LARGE + 1) / MEMBER_PAGE_SIZE)
      assert.equal(reads.pages.length, pages)
      assert.ok(reads.pages.every((p) => p.limit === MEMBER_PAGE_SIZE))
      assert.equal(reads.pages[0]!.after, undefined)
      assert.equal(reads.whole, 0)
      // A group of one page is answered in one read, with a Content-Length as before.
      const res = await get(`/Groups/${small}`)
      assert.equal(reads.pages.length, 1)
      assert.equal(res.text, await expected(small))
      assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)))
    })

    test('HEAD of a large group: the headers of its GET, no body, and no member page after the first', async () => {
      const got = await get(`/Groups/${large}`)
      reads = { pages: [], whole: 0 }
      const head = await h.scim('HEAD', `/Groups/${large}`)
      assert.equal(head.status, 200)
      assert.equal(head.text, '')
      assert.equal(head.headers.etag, got.headers.etag)
      assert.equal(head.headers['content-type'], got.headers['content-type'])
      assert.equal(head.headers['content-length'], undefined)
      // A drained body would be read after the reply was sent: give it the time to show.
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(reads.pages.length, 1)
      assert.equal(reads.whole, 0)
    })

    for (const query of <Record<string, string>[]>[
      { attributes: 'members,displayName' },
      { attributes: 'members' },
      { attributes: 'members.value' },
      { attributes: 'members.display' },
      { excludedAttributes: 'members.display,meta' },
      { excludedAttributes: 'displayName' },
      { attributes: 'members.nonexistent' },
    ]) {
      test(`projections apply to the stream: ${new URLSearchParams(query)}`, async () => {
        const res = await get(`/Groups/${large}?${new URLSearchParams(query)}`)
        assert.equal(res.status, 200)
        assert.equal(res.text, await expected(large, query))
      })
    }

    test('excludedAttributes=members, or attributes without members, reads no member at all', async () => {
      for (const query of ['excludedAttributes=members', 'attributes=displayName']) {
        const res = await get(`/Groups/${large}?${query}`)
        assert.equal(res.status, 200)
        assert.equal(res.body.members, undefined)
        assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)))
        assert.deepEqual(reads, { pages: [], whole: 0 })
      }
    })

    test('If-None-Match with the current ETag is 304 before any member is read; another ETag streams', async () => {
      const etag = (await get(`/Groups/${large}`)).headers.etag as string
      const res = await get(`/Groups/${large}`, { 'if-none-match': etag })
      assert.equal(res.status, 304)
      assert.equal(res.headers.etag, etag)
      assert.equal(res.text, '')
      assert.deepEqual(reads, { pages: [], whole: 0 })
      const stale = await get(`/Groups/${large}`, { 'if-none-match': 'W/"999"' })
      assert.equal(stale.status, 200)
      assert.equal(stale.text, await expected(large))
    })

    test('members deleted or removed before the read are absent; the rest keep their order', async () => {
      const gone = userIds[1500]!
      const removed = userIds[7]!
      assert.equal((await h.scim('DELETE', `/Users/${gone}`)).status, 204)
      const patched = await h.scim('PATCH', `/Groups/${large}`, patch({ op: 'remove', path: `members[value eq "${removed}"]` }))
      assert.equal(patched.status, 204, patched.text)
      const res = await get(`/Groups/${large}`)
      assert.equal(res.status, 200)
      assert.equal(res.text, await expected(large))
      const values = (res.body.members as { value: string }[]).map((m) => m.value)
      assert.equal(values.length, LARGE - 1)
      assert.ok(!values.includes(gone) && !values.includes(removed))
      const users = values.filter((v) => v.startsWith('user-'))
      assert.deepEqual(users, userIds.slice(0, LARGE).filter((v) => v !== gone && v !== removed))
    })

    test('an unknown group is 404 and a missing token 401, as SCIM errors', async () => {
      const missing = await get('/Groups/no-such-group')
      assert.equal(missing.status, 404)
      assert.equal(missing.body.status, '404')
      const anonymous = await h.raw({ method: 'GET', url: `${h.base}/Groups/${large}` })
      assert.equal(anonymous.status, 401)
    })

    test('a database failure after the first page cuts the response short, never a complete body', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' })
      try {
        const { port } = h.app.server.address() as AddressInfo
        reads = { pages: [], whole: 0, failAtPage: 2 }
        const outcome = await new Promise<{ status: number; body: string; complete: boolean; error?: string }>(
          (resolve, reject) => {
            const req = httpRequest(
              { host: '127.0.0.1', port, path: `${h.base}/Groups/${large}`, headers: { authorization: `Bearer ${h.token}` } },
              (res) => {
                let body = ''
                res.setEncoding('utf8')
                res.on('data', (chunk: string) => (body += chunk))
                const done = (error?: Error) =>
                  resolve({ status: res.statusCode!, body, complete: res.complete, ...(error && { error: error.message }) })
                res.on('end', () => done())
                res.on('error', done)
                res.on('aborted', () => done(new Error('aborted')))
              },
            )
            req.on('error', reject)
            req.end()
          },
        )
        assert.equal(outcome.status, 200)
        assert.equal(outcome.complete, false, 'the chunked body has no terminating chunk')
        assert.throws(() => JSON.parse(outcome.body), SyntaxError)
        assert.ok(outcome.body.startsWith('{"schemas":'))
        assert.equal(reads.pages.length, 2)
      } finally {
        reads.failAtPage = undefined
      }
      // The server is still answering.
      assert.equal((await get(`/Groups/${large}`)).status, 200)
    })
  })
}
