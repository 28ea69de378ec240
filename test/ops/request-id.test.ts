import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, user } from '../helpers/harness.js'
import { startListening, type Listening, type LogLine } from '../http/listening.js'

const BASE = '/scim/v2/organizations/acme'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

for (const { name, open } of STORES) {
  describe(`one request id follows a call [${name}]`, () => {
    let s: Listening
    before(async () => {
      s = await startListening(open)
    })
    after(() => s.close())

    const call = async (url: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET', body?: unknown) => {
      const before = s.logs.length
      const res = await s.app.inject({
        method,
        url,
        headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/scim+json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      })
      return { status: res.statusCode, id: res.headers['x-request-id'], lines: s.logs.slice(before) }
    }
    const auth = () => ({ authorization: `Bearer ${s.token}` })
    const ids = (lines: LogLine[]) => [...new Set(lines.map((l) => l.reqId as unknown))]

    test("the client's X-Request-Id is kept, echoed, and on every log line of the request", async () => {
      const created = await call(`${BASE}/Users`, { ...auth(), 'x-request-id': 'entra-7f3a:42' }, 'POST', user('rid@example.com'))
      assert.equal(created.status, 201)
      assert.equal(created.id, 'entra-7f3a:42')
      assert.ok(created.lines.some((l) => l.msg === 'request'))
      assert.deepEqual(ids(created.lines), ['entra-7f3a:42'])

      // A refused call logs why on a line of its own: the same id.
      const refused = await call(`${BASE}/Users`, { authorization: 'Bearer nonsense', 'x-request-id': 'okta-1' })
      assert.equal(refused.status, 401)
      assert.deepEqual(refused.lines.map((l) => l.msg).sort(), ['request', 'unauthorized'])
      assert.deepEqual(ids(refused.lines), ['okta-1'])
    })

    test('without one (or with one that is no plausible id) each request gets a UUID of its own', async () => {
      const a = await call(`${BASE}/Users`, auth())
      const b = await call(`${BASE}/Users`, auth())
      assert.match(String(a.id), UUID)
      assert.notEqual(a.id, b.id)
      assert.deepEqual(ids(a.lines), [a.id])
      for (const bad of ['two words', 'x'.repeat(129), 'quote"d', '']) {
        const res = await call(`${BASE}/Users`, { ...auth(), 'x-request-id': bad })
        assert.match(String(res.id), UUID, `'${bad.slice(0, 20)}' is replaced`)
        assert.deepEqual(ids(res.lines), [res.id])
      }
    })

    test('requests refused before routing carry the id too', async () => {
      const res = await call(`${BASE}/Users/%ZZ`, { ...auth(), 'x-request-id': 'bad-url-1' })
      assert.equal(res.status, 400)
      assert.equal(res.id, 'bad-url-1')
      assert.deepEqual(ids(res.lines), ['bad-url-1'])
      const missing = await call('/nowhere', { 'x-request-id': 'lost-1' })
      assert.equal(missing.status, 404)
      assert.equal(missing.id, 'lost-1')
    })
  })
}
