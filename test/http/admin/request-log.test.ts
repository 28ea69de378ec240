import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { STORES } from '../../helpers/harness.js'
import { startListening, type Listening } from '../listening.js'

for (const { name, open } of STORES) {
  describe(`admin API: log lines [${name}]`, () => {
    let s: Listening
    before(async () => {
      s = await startListening(open)
    })
    after(() => s.close())

    test('each request names the admin token by id and the tenant; no secret is ever logged', async () => {
      const { token, record } = await issueAdminToken(s.store)
      const call = (method: string, path: string, body?: unknown) =>
        s.app.inject({
          method: method as 'POST',
          url: `/admin/v1${path}`,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
          ...(body !== undefined && { payload: JSON.stringify(body) }),
        })
      const t = '/tenants/organization:acme'
      const account = (await call('POST', `${t}/accounts`, { login: 'logged' })).json()
      const session = (await call('POST', `${t}/accounts/${account.id}/sessions`)).json()
      const scimToken = (await call('POST', `${t}/scim-tokens`)).json()
      assert.equal((await call('POST', `${t}/sessions/verify`, { secret: session.secret })).statusCode, 200)
      assert.equal((await call('POST', `${t}/sessions/verify`, { secret: `${session.secret}x` })).statusCode, 401)

      const requests = s.logs.filter((l) => l.msg === 'request' && String(l.url).startsWith('/admin/v1'))
      assert.equal(requests.length, 5)
      for (const line of requests) {
        assert.equal(line.adminToken, record.id)
        assert.equal(line.tenant, 'organization/acme')
      }
      assert.deepEqual(requests.map((l) => l.status), [201, 201, 201, 200, 401])
      const text = JSON.stringify(s.logs)
      for (const secret of [token, session.secret, scimToken.secret]) assert.ok(!text.includes(secret), 'a secret reached the log')
    })
  })
}
