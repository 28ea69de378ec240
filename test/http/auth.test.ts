import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken, revokeToken } from '../../src/provisioning/tokens.js'
import { STORES, startHarness, user, type Harness } from '../helpers/harness.js'

for (const { name, open } of STORES) {
  describe(`authentication and tenant isolation [${name}]`, () => {
    let h: Harness
    let otherToken: string
    let instanceToken: string
    before(async () => {
      h = await startHarness(open, { tokenCacheMs: 50 })
      const other = await createTenant(h.store, 'enterprise', 'globex')
      otherToken = (await issueToken(h.store, other)).token
      const instance = (await h.store.findTenant('instance', ''))!
      instanceToken = (await issueToken(h.store, instance)).token
    })
    after(() => h.close())

    const get = (url: string, token?: string) =>
      h.raw({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })

    test('no token: 401 with a SCIM error and WWW-Authenticate: Bearer', async () => {
      const res = await get(`${h.base}/Users`)
      assert.equal(res.status, 401)
      assert.equal(res.body.status, '401')
      assert.match(String(res.headers['www-authenticate']), /^Bearer/)
      assert.match(String(res.headers['content-type']), /application\/scim\+json/)
    })

    test('malformed and unknown tokens: 401', async () => {
      for (const auth of ['Basic abc', 'Bearer', 'Bearer roster_short', `Bearer roster_${'A'.repeat(43)}`]) {
        const res = await h.raw({ method: 'GET', url: `${h.base}/Users`, headers: { authorization: auth } })
        assert.equal(res.status, 401, auth)
      }
    })

    test("a tenant's token gets 401 on another tenant, and on an unknown tenant", async () => {
      assert.equal((await get('/scim/v2/enterprises/globex/Users', h.token)).status, 401)
      assert.equal((await get(`${h.base}/Users`, otherToken)).status, 401)
      assert.equal((await get('/scim/v2/Users', h.token)).status, 401)
      assert.equal((await get('/scim/v2/organizations/nobody/Users', h.token)).status, 401)
      assert.equal((await get('/scim/v2/enterprises/globex/Users', otherToken)).status, 200)
      assert.equal((await get('/scim/v2/Users', instanceToken)).status, 200)
      assert.equal((await get('/api/v3/scim/v2/Users', instanceToken)).status, 200)
    })

    test('nothing of one tenant is visible through another', async () => {
      const created = (await h.scim('POST', '/Users', user('isolated@acme.example'))).body
      const other = (url: string) => get(`/scim/v2/enterprises/globex${url}`, otherToken)
      assert.equal((await other(`/Users/${created.id}`)).status, 404)
      const list = await other(`/Users?filter=${encodeURIComponent('userName eq "isolated@acme.example"')}`)
      assert.equal(list.body.totalResults, 0)
      // The same userName is free in the other tenant.
      const res = await h.raw({
        method: 'POST',
        url: '/scim/v2/enterprises/globex/Users',
        headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify(user('isolated@acme.example')),
      })
      assert.equal(res.status, 201)
      const group = await h.raw({
        method: 'POST',
        url: '/scim/v2/enterprises/globex/Groups',
        headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ displayName: 'Steal', members: [{ value: created.id }] }),
      })
      assert.equal(group.status, 400, 'members of another tenant do not exist here')
    })

    test('revoked and expired tokens: 401', async () => {
      const tenant = h.tenant
      const revoked = await issueToken(h.store, tenant)
      assert.equal((await get(`${h.base}/Users`, revoked.token)).status, 200)
      await revokeToken(h.store, revoked.record.id)
      // Token records are cached for tokenCacheMs (here 50 ms): a revocation lands within it.
      await new Promise((resolve) => setTimeout(resolve, 60))
      assert.equal((await get(`${h.base}/Users`, revoked.token)).status, 401)
      const expiring = await issueToken(h.store, tenant, { expiresInDays: 1, now: new Date(Date.now() - 2 * 86_400_000) })
      assert.equal((await get(`${h.base}/Users`, expiring.token)).status, 401)
    })

    test('tokens are stored only as hashes, and last use is recorded', async () => {
      const tokens = await h.store.listTokens(h.tenant.id)
      for (const t of tokens) {
        assert.match(t.hash, /^[0-9a-f]{64}$/)
        assert.ok(!JSON.stringify(t).includes(h.token))
      }
      const mine = tokens.find((t) => t.hint.startsWith(h.token.slice(0, 11)))
      assert.ok(mine?.lastUsedAt, 'last use recorded')
    })

    test('healthz needs no token', async () => {
      const res = await h.raw({ method: 'GET', url: '/healthz' })
      assert.equal(res.status, 200)
    })
  })
}

for (const { name, open } of STORES) {
  describe(`tenant URLs as pasted [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('a tenant URL pasted with a trailing slash still works (…/acme//Users, …/Users/)', async () => {
      const headers = { authorization: `Bearer ${h.token}` }
      assert.equal((await h.raw({ method: 'GET', url: `${h.base}//Users`, headers })).status, 200)
      assert.equal((await h.raw({ method: 'GET', url: `${h.base}/Users/`, headers })).status, 200)
    })
  })
}
