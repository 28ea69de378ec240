import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { group, STORES, startHarness, user, type Harness } from '../helpers/harness.js'

// Contexts (tenant store, base URL) are kept per tenant and origin (authenticate.ts): every
// answer must still name the origin its own request came to, and the tenant its URL names.
for (const { name, open } of STORES) {
  describe(`SCIM context per tenant and origin [${name}]`, () => {
    let h: Harness
    let groupId: string
    before(async () => {
      h = await startHarness(open, { publicUrl: undefined })
      const created = await h.scim('POST', '/Users', user('ctx'))
      assert.equal(created.status, 201)
      const team = await h.scim('POST', '/Groups', group('Team "A"', { members: [{ value: created.body.id }] }))
      assert.equal(team.status, 201)
      groupId = team.body.id
    })
    after(() => h.close())

    const lookup = (host: string, base = h.base, token = h.token) =>
      h.raw({
        method: 'GET',
        url: `${base}/Users?filter=${encodeURIComponent('userName eq "ctx"')}`,
        headers: { authorization: `Bearer ${token}`, host },
      })

    test('meta.location and groups.$ref follow the Host of each request', async () => {
      for (const host of ['a.example:8080', 'b.example', 'a.example:8080', 'B.example']) {
        const res = await lookup(host)
        assert.equal(res.status, 200)
        const [found] = res.body.Resources
        assert.equal(found.meta.location, `http://${host}${h.base}/Users/${found.id}`)
        assert.deepEqual(found.groups, [
          { value: groupId, $ref: `http://${host}${h.base}/Groups/${groupId}`, display: 'Team "A"', type: 'direct' },
        ])
      }
    })

    test('more origins than are kept still answer with their own', async () => {
      for (let i = 0; i < 40; i++) {
        const host = `host${i}.example`
        const res = await lookup(host)
        assert.equal(res.body.Resources[0].meta.location.startsWith(`http://${host}${h.base}/Users/`), true, host)
      }
    })

    test('a tenant created while serving is served, with its own base URL and data', async () => {
      const late = await createTenant(h.store, 'organization', 'late')
      const { token } = await issueToken(h.store, late)
      const res = await lookup('c.example', '/scim/v2/organizations/late', token)
      assert.equal(res.status, 200)
      assert.equal(res.body.totalResults, 0)
      const created = await h.raw({
        method: 'POST',
        url: '/scim/v2/organizations/late/Users',
        headers: { authorization: `Bearer ${token}`, host: 'c.example', 'content-type': 'application/scim+json' },
        payload: JSON.stringify(user('ctx')),
      })
      assert.equal(created.status, 201)
      assert.equal(created.body.meta.location, `http://c.example/scim/v2/organizations/late/Users/${created.body.id}`)
      assert.equal((await lookup('c.example')).body.Resources[0].meta.location.includes('/organizations/acme/'), true)
    })
  })
}
