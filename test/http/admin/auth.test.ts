import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken, revokeAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { STORES, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

for (const { name, open } of STORES) {
  describe(`admin API: tokens and tenant scoping [${name}]`, () => {
    let h: AdminHarness
    let acmeToken: string
    let globexId: string
    before(async () => {
      h = await startAdmin(open)
      globexId = (await h.enterprise('globex')).tenant.id
      acmeToken = (await issueAdminToken(h.store, { tenant: h.tenant })).token
    })
    after(() => h.close())

    test('no token: 401 problem with WWW-Authenticate: Bearer', async () => {
      const res = await h.admin('GET', '/tenants', undefined, null)
      assert.equal(res.status, 401)
      assert.match(String(res.headers['www-authenticate']), /^Bearer/)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.equal(res.body.status, 401)
      assert.equal(res.body.type, 'urn:roster:problem:unauthorized')
      assert.match(res.body.detail, /Authorization: Bearer/)
    })

    test('malformed, unknown, revoked and expired tokens: 401', async () => {
      const revoked = await issueAdminToken(h.store)
      await revokeAdminToken(h.store, revoked.record.id)
      const expired = await issueAdminToken(h.store, { expiresInDays: 1, now: new Date(Date.now() - 2 * 86_400_000) })
      for (const token of ['roster_admin_short', `roster_admin_${'A'.repeat(43)}`, revoked.token, expired.token]) {
        const res = await h.admin('GET', '/tenants', undefined, token)
        assert.equal(res.status, 401, token)
        assert.match(String(res.headers['www-authenticate']), /^Bearer/)
      }
      const basic = await h.raw({ method: 'GET', url: '/admin/v1/tenants', headers: { authorization: 'Basic abc' } })
      assert.equal(basic.status, 401)
    })

    test('a SCIM token is refused by the admin API, with a hint; an admin token by SCIM', async () => {
      const res = await h.admin('GET', '/tenants', undefined, h.token)
      assert.equal(res.status, 401)
      assert.match(res.body.detail, /SCIM token/)
      const scim = await h.scimAs(h.adminToken, 'GET', `${h.base}/Users`)
      assert.equal(scim.status, 401)
      assert.match(String(scim.headers['content-type']), /application\/scim\+json/)
    })

    test('the SCIM routes keep their own behaviour and error shape', async () => {
      assert.equal((await h.scim('POST', '/Users', user('still@acme.example'))).status, 201)
      const missing = await h.scim('GET', '/Nope')
      assert.equal(missing.status, 404)
      assert.match(String(missing.headers['content-type']), /application\/scim\+json/)
      assert.equal(missing.body.status, '404')
    })

    test('an instance token reaches every tenant, by key or by id, and lists them all', async () => {
      for (const key of ['instance', 'organization:acme', 'enterprise:globex', globexId, h.tenant.id]) {
        const res = await h.admin('GET', `/tenants/${encodeURIComponent(key)}`)
        assert.equal(res.status, 200, key)
      }
      const keys = (await h.admin('GET', '/tenants')).body.items.map((t: { key: string }) => t.key).sort()
      assert.deepEqual(keys, ['enterprise:globex', 'instance', 'organization:acme'])
    })

    test("a tenant's token reaches only its tenant; any other is answered as an unknown one", async () => {
      assert.equal((await h.admin('GET', '/tenants/organization:acme', undefined, acmeToken)).status, 200)
      assert.equal((await h.admin('GET', `/tenants/${h.tenant.id}/accounts`, undefined, acmeToken)).status, 200)
      const other = await h.admin('GET', '/tenants/enterprise:globex/accounts', undefined, acmeToken)
      const unknown = await h.admin('GET', '/tenants/enterprise:nobody/accounts', undefined, acmeToken)
      assert.equal(other.status, 404)
      assert.equal(unknown.status, 404)
      assert.equal(other.body.detail.replace('globex', 'X'), unknown.body.detail.replace('nobody', 'X'))
      for (const key of [globexId, 'instance']) {
        assert.equal((await h.admin('GET', `/tenants/${key}`, undefined, acmeToken)).status, 404, key)
      }
      const listed = (await h.admin('GET', '/tenants', undefined, acmeToken)).body.items
      assert.deepEqual(
        listed.map((t: { key: string }) => t.key),
        ['organization:acme'],
      )
    })

    test("only an instance token creates tenants (403 for a tenant's)", async () => {
      const refused = await h.admin('POST', '/tenants', { kind: 'organization', slug: 'newco' }, acmeToken)
      assert.equal(refused.status, 403)
      assert.match(refused.body.detail, /instance admin token/)
      assert.equal((await h.admin('GET', '/tenants/organization:newco')).status, 404, 'nothing was created')
    })

    test('the OpenAPI document needs no token', async () => {
      const res = await h.admin('GET', '/openapi.json', undefined, null)
      assert.equal(res.status, 200)
      assert.equal(res.body.openapi, '3.1.0')
    })
  })
}
