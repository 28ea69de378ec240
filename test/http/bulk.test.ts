import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { group, GROUP_SCHEMA, patch, STORES, startHarness, user, USER_SCHEMA, type Harness } from '../helpers/harness.js'

type Resource = any

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse'
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST], ...extra, Operations })

for (const { name, open } of STORES) {
  describe(`Bulk — RFC 7644 §3.7 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    const run = async (body: unknown) => {
      const res = await h.scim('POST', '/Bulk', body)
      assert.equal(res.status, 200, res.text)
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, [BULK_RESPONSE])
      for (const result of res.body.Operations as Resource[]) {
        assert.equal(typeof result.status, 'string', JSON.stringify(result))
        assert.ok(typeof result.method === 'string')
      }
      return res.body.Operations as Resource[]
    }
    const location = (endpoint: string, id: string) => `https://roster.test${h.base}/${endpoint}/${id}`
    const idOf = (result: Resource) => String(result.location).split('/').pop()!

    test('RFC 7644 §3.7.2: POST a user with bulkId and a group referencing bulkId:qwerty, listed reference first', async () => {
      const results = await run(
        bulk([
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'ytrewq',
            data: { schemas: [GROUP_SCHEMA], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] },
          },
          { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER_SCHEMA], userName: 'Alice' } },
        ]),
      )
      assert.equal(results.length, 2)
      const groupResult = results.find((r) => r.bulkId === 'ytrewq')
      const userResult = results.find((r) => r.bulkId === 'qwerty')
      for (const r of [groupResult, userResult]) {
        assert.equal(r.method, 'POST')
        assert.equal(r.status, '201', JSON.stringify(r))
        assert.equal(r.version, 'W/"1"')
      }
      const userId = idOf(userResult)
      const groupId = idOf(groupResult)
      assert.equal(userResult.location, location('Users', userId))
      assert.equal(groupResult.location, location('Groups', groupId))
      const g = await h.scim('GET', `/Groups/${groupId}`)
      assert.deepEqual(g.body.members.map((m: Resource) => [m.value, m.type]), [[userId, 'User']])
      const u = await h.scim('GET', `/Users/${userId}`)
      assert.equal(u.body.userName, 'Alice')
      assert.deepEqual(u.body.groups.map((x: Resource) => x.value), [groupId])
    })

    test('RFC 7644 §3.7.2: POST, PUT, PATCH and DELETE in one request, with versions', async () => {
      const bob = (await h.scim('POST', '/Users', user('bulk.bob'))).body
      const carol = (await h.scim('POST', '/Users', user('bulk.carol', { nickName: 'C' }))).body
      const dave = (await h.scim('POST', '/Users', user('bulk.dave'))).body
      const results = await run(
        bulk(
          [
            { method: 'POST', path: '/Users', bulkId: 'alice2', data: user('bulk.alice') },
            { method: 'PUT', path: `/Users/${bob.id}`, version: 'W/"1"', data: { ...user('bulk.bob'), id: bob.id, displayName: 'Bob' } },
            { method: 'PATCH', path: `/Users/${carol.id}`, version: 'W/"1"', data: patch({ op: 'remove', path: 'nickName' }, { op: 'add', path: 'title', value: 'Boss' }) },
            { method: 'DELETE', path: `/Users/${dave.id}`, version: 'W/"1"' },
          ],
          { failOnErrors: 1 },
        ),
      )
      assert.deepEqual(results.map((r) => [r.method, r.status]), [['POST', '201'], ['PUT', '200'], ['PATCH', '200'], ['DELETE', '204']])
      assert.equal(results[0].bulkId, 'alice2')
      assert.equal(results[1].location, location('Users', bob.id))
      assert.equal(results[1].version, 'W/"2"')
      assert.equal(results[2].location, location('Users', carol.id))
      assert.equal(results[2].version, 'W/"2"')
      assert.equal(results[3].location, location('Users', dave.id))

      assert.equal((await h.scim('GET', `/Users/${bob.id}`)).body.displayName, 'Bob')
      const c = (await h.scim('GET', `/Users/${carol.id}`)).body
      assert.equal(c.nickName, undefined)
      assert.equal(c.title, 'Boss')
      assert.equal((await h.scim('GET', `/Users/${dave.id}`)).status, 404)
    })

    test('a stale version in a bulk operation is a 412 result; the other operations still run', async () => {
      const u = (await h.scim('POST', '/Users', user('bulk.stale'))).body
      const results = await run(
        bulk([
          { method: 'PUT', path: `/Users/${u.id}`, version: 'W/"9"', data: user('bulk.stale', { title: 'Nope' }) },
          { method: 'DELETE', path: '/Users/00000000-0000-0000-0000-000000000000' },
          { method: 'POST', path: '/Users', bulkId: 'after-errors', data: user('bulk.after.errors') },
        ]),
      )
      assert.deepEqual(results.map((r) => r.status), ['412', '404', '201'])
      assert.deepEqual(results[0].response.schemas, [ERROR_SCHEMA])
      assert.equal(results[0].response.status, '412')
      assert.equal(results[0].location, location('Users', u.id))
      assert.equal((await h.scim('GET', `/Users/${u.id}`)).body.title, undefined)
    })

    test('failOnErrors stops after that many errors; earlier operations are kept (bulk is not atomic)', async () => {
      const results = await run(
        bulk(
          [
            { method: 'POST', path: '/Users', bulkId: 'f1', data: { schemas: [USER_SCHEMA], displayName: 'no userName' } },
            { method: 'POST', path: '/Users', bulkId: 'f2', data: user('bulk.fail.kept') },
            { method: 'POST', path: '/Users', bulkId: 'f3', data: { schemas: [USER_SCHEMA], title: 'no userName either' } },
            { method: 'POST', path: '/Users', bulkId: 'f4', data: user('bulk.fail.never') },
          ],
          { failOnErrors: 2 },
        ),
      )
      assert.deepEqual(results.map((r) => [r.bulkId, r.status]), [['f1', '400'], ['f2', '201'], ['f3', '400']])
      assert.equal(results[0].response.scimType, 'invalidValue')
      const kept = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "bulk.fail.kept"')}`)
      assert.equal(kept.body.totalResults, 1)
      const never = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "bulk.fail.never"')}`)
      assert.equal(never.body.totalResults, 0)
    })

    test('failOnErrors 1 stops at the first error', async () => {
      const results = await run(
        bulk(
          [
            { method: 'DELETE', path: '/Users/missing-one' },
            { method: 'POST', path: '/Users', bulkId: 'x1', data: user('bulk.fail.one') },
          ],
          { failOnErrors: 1 },
        ),
      )
      assert.deepEqual(results.map((r) => r.status), ['404'])
    })

    test('a reference to an undefined bulkId fails that operation only', async () => {
      const results = await run(
        bulk([
          { method: 'POST', path: '/Groups', bulkId: 'g-undefined', data: group('Undefined Ref', { members: [{ value: 'bulkId:nope' }] }) },
          { method: 'POST', path: '/Users', bulkId: 'u-fine', data: user('bulk.fine') },
        ]),
      )
      const bad = results.find((r) => r.bulkId === 'g-undefined')
      assert.ok(Number(bad.status) >= 400 && Number(bad.status) < 500, JSON.stringify(bad))
      assert.deepEqual(bad.response.schemas, [ERROR_SCHEMA])
      assert.match(bad.response.detail, /nope/)
      assert.equal(results.find((r) => r.bulkId === 'u-fine').status, '201')
      const groups = await h.scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Undefined Ref"')}`)
      assert.equal(groups.body.totalResults, 0)
    })

    test('an operation that needs a bulkId whose POST failed fails too', async () => {
      const results = await run(
        bulk([
          { method: 'POST', path: '/Users', bulkId: 'broken', data: { schemas: [USER_SCHEMA] } },
          { method: 'POST', path: '/Groups', bulkId: 'dependent', data: group('Dependent', { members: [{ value: 'bulkId:broken' }] }) },
        ]),
      )
      assert.equal(results.find((r) => r.bulkId === 'broken').status, '400')
      const dependent = results.find((r) => r.bulkId === 'dependent')
      assert.ok(Number(dependent.status) >= 400 && Number(dependent.status) < 500, JSON.stringify(dependent))
    })

    test('circular bulkId references give 409 results (RFC 7644 §3.7.1)', async () => {
      const results = await run(
        bulk([
          { method: 'POST', path: '/Groups', bulkId: 'qwerty', data: group('Group A', { members: [{ type: 'Group', value: 'bulkId:ytrewq' }] }) },
          { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: group('Group B', { members: [{ type: 'Group', value: 'bulkId:qwerty' }] }) },
        ]),
      )
      assert.equal(results.length, 2)
      for (const r of results) {
        assert.equal(r.status, '409', JSON.stringify(r))
        assert.deepEqual(r.response.schemas, [ERROR_SCHEMA])
      }
      const groups = await h.scim('GET', `/Groups?filter=${encodeURIComponent('displayName sw "Group "')}`)
      assert.equal(groups.body.totalResults, 0)
    })

    test('bulkId references resolve in PATCH data and paths', async () => {
      const existing = (await h.scim('POST', '/Groups', group('Bulk Patch Target'))).body
      const results = await run(
        bulk([
          { method: 'PATCH', path: `/Groups/${existing.id}`, data: patch({ op: 'add', path: 'members', value: [{ value: 'bulkId:member' }] }) },
          { method: 'POST', path: '/Users', bulkId: 'member', data: user('bulk.member') },
          { method: 'PATCH', path: '/Users/bulkId:member', data: patch({ op: 'add', path: 'title', value: 'Linked' }) },
        ]),
      )
      assert.deepEqual(results.map((r) => r.status), ['200', '201', '200'])
      const memberId = idOf(results[1])
      assert.equal(results[2].location, location('Users', memberId))
      const g = await h.scim('GET', `/Groups/${existing.id}`)
      assert.deepEqual(g.body.members.map((m: Resource) => m.value), [memberId])
      assert.equal((await h.scim('GET', `/Users/${memberId}`)).body.title, 'Linked')
    })

    test('a uniqueness conflict is a 409 result with scimType uniqueness', async () => {
      await h.scim('POST', '/Users', user('bulk.taken'))
      const results = await run(bulk([{ method: 'POST', path: '/Users', bulkId: 'dup', data: user('BULK.TAKEN') }]))
      assert.equal(results[0].status, '409')
      assert.equal(results[0].response.scimType, 'uniqueness')
      assert.equal(results[0].response.status, '409')
    })

    test('a request without the BulkRequest schema is 400', async () => {
      const res = await h.scim('POST', '/Bulk', { schemas: [USER_SCHEMA], Operations: [] })
      assert.equal(res.status, 400, res.text)
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
      const notObject = await h.scim('POST', '/Bulk', [])
      assert.equal(notObject.status, 400, notObject.text)
    })

    test('an empty Operations list is answered with an empty BulkResponse', async () => {
      assert.deepEqual(await run(bulk([])), [])
    })
  })

  describe(`Bulk limits — RFC 7644 §3.7.4 [${name}]`, () => {
    test('more operations than maxOperations is 413', async () => {
      const h = await startHarness(open, { bulkMaxOperations: 3 })
      try {
        const ops = Array.from({ length: 4 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: user(`limit.${i}`) }))
        const res = await h.scim('POST', '/Bulk', bulk(ops))
        assert.equal(res.status, 413, res.text)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.status, '413')
        assert.match(res.body.detail, /\b3\b/)
        // Nothing ran.
        assert.equal((await h.scim('GET', '/Users')).body.totalResults, 0)
        // Exactly the maximum is fine.
        const ok = await h.scim('POST', '/Bulk', bulk(ops.slice(0, 3)))
        assert.equal(ok.status, 200, ok.text)
        assert.deepEqual(ok.body.Operations.map((r: Resource) => r.status), ['201', '201', '201'])
      } finally {
        await h.close()
      }
    })

    test('a body larger than maxPayloadSize is 413 with a SCIM error', async () => {
      const h = await startHarness(open, { maxPayloadSize: 2000 })
      try {
        const ops = Array.from({ length: 20 }, (_, i) => ({
          method: 'POST',
          path: '/Users',
          bulkId: `p${i}`,
          data: user(`payload.${i}`, { displayName: 'x'.repeat(100) }),
        }))
        const body = JSON.stringify(bulk(ops))
        assert.ok(body.length > 2000)
        const res = await h.scim('POST', '/Bulk', body)
        assert.equal(res.status, 413, res.text)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.status, '413')
        assert.equal((await h.scim('GET', '/Users')).body.totalResults, 0)
      } finally {
        await h.close()
      }
    })
  })
}
