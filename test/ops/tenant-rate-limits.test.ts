/**
 * A tenant's own rate limits (the `rateLimits` setting), on every store: set and checked
 * through the admin API, honoured by the SCIM endpoints for that tenant alone.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { configFromEnv } from '../../src/http/config.js'
import { limitsFor } from '../../src/http/rate-limit.js'
import { changedSettings } from '../../src/provisioning/tenant-settings.js'
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { startHarness, STORES } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'

describe('the rateLimits setting', () => {
  const tenant = { kind: 'enterprise' as const, settings: { shortCode: 'acme' } }
  const server = configFromEnv({}).rateLimits

  test('a profile or custom budgets are stored; server removes the setting', () => {
    assert.deepEqual(changedSettings(tenant, { rateLimits: { profile: 'github' } }).rateLimits, { profile: 'github' })
    const custom = changedSettings(tenant, { rateLimits: { profile: 'custom', token: { requests: 10, per: 'minute' }, tenant: null } })
    assert.deepEqual(custom.rateLimits, { profile: 'custom', token: { requests: 10, per: 'minute' }, tenant: null })
    assert.equal('rateLimits' in changedSettings({ ...tenant, settings: custom }, { rateLimits: { profile: 'server' } }), false)
  })

  test('precise refusals', () => {
    const refused: [unknown, RegExp][] = [
      [{ profile: 'custom', token: { requests: 10, per: 'minute' } }, /rateLimits.tenant: required with profile 'custom' \(null for no limit\)/],
      [{ profile: 'github', token: null }, /rateLimits.token: budgets are set only with profile 'custom'/],
      [{ profile: 'fast' }, /rateLimits.profile: expected one of 'server', 'default', 'github', 'off', 'custom', not "fast"/],
      [{ profile: 'custom', token: { requests: 0, per: 'second' }, tenant: null }, /rateLimits.token.requests: expected a whole number from 1/],
      [{ profile: 'custom', token: { requests: 5, per: 'day' }, tenant: null }, /rateLimits.token.per: expected 'second', 'minute' or 'hour', not "day"/],
      [{ profile: 'custom', token: null, tenant: { requests: 5, per: 'second', burst: 1.5 } }, /rateLimits.tenant.burst: expected a whole number/],
    ]
    for (const [value, message] of refused) assert.throws(() => changedSettings(tenant, { rateLimits: value }), message)
  })

  test("the limiter's limits: the server's unless the tenant sets its own", () => {
    assert.equal(limitsFor(server, { settings: {} }), server)
    assert.equal(limitsFor(server, { settings: { rateLimits: { profile: 'server' } } }), server)
    assert.deepEqual(limitsFor(server, { settings: { rateLimits: { profile: 'off' } } }), { token: undefined, tenant: undefined })
    assert.equal(limitsFor(server, { settings: { rateLimits: { profile: 'github' } } }).token?.text, '5,000 requests an hour')
    const custom = limitsFor(server, { settings: { rateLimits: { profile: 'custom', token: { requests: 600, per: 'minute', burst: 20 }, tenant: null } } })
    assert.deepEqual(custom, { token: { rate: 10, burst: 20, text: '600 requests a minute' }, tenant: undefined })
  })
})

for (const { name, open } of STORES) {
  describe(`a tenant's own rate limits over HTTP [${name}]`, () => {
    let h: AdminHarness

    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    test('set through the admin API, shown with the settings, refused precisely', async () => {
      const initial = await h.admin('GET', '/tenants/organization:acme')
      assert.deepEqual(initial.body.settings.rateLimits, { profile: 'server' })
      const bad = await h.admin('PATCH', '/tenants/organization:acme/settings', { rateLimits: { profile: 'custom', token: { requests: 5, per: 'day' }, tenant: null } })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.type, 'urn:roster:problem:validation')
      assert.match(bad.body.detail, /\/body\/rateLimits\/token/)
      const half = await h.admin('PATCH', '/tenants/organization:acme/settings', { rateLimits: { profile: 'custom', token: null } })
      assert.equal(half.status, 400)
      assert.equal(half.body.type, 'urn:roster:problem:invalid-value')
      assert.match(half.body.detail, /rateLimits.tenant: required with profile 'custom'/)
      const stray = await h.admin('PATCH', '/tenants/organization:acme/settings', { rateLimits: { profile: 'off', tenant: null } })
      assert.equal(stray.status, 400)
      assert.match(stray.body.detail, /only with profile 'custom'/)
      assert.deepEqual((await h.admin('GET', '/tenants/organization:acme')).body.settings.rateLimits, { profile: 'server' }, 'nothing changed')
    })

    test('a tenant set to a tiny budget gets 429 with Retry-After; another tenant does not', async () => {
      const globex = await h.enterprise('globex')
      const set = await h.admin('PATCH', '/tenants/organization:acme/settings', {
        rateLimits: { profile: 'custom', token: null, tenant: { requests: 2, per: 'minute' } },
      })
      assert.equal(set.status, 200, set.text)
      assert.deepEqual(set.body.rateLimits, { profile: 'custom', token: null, tenant: { requests: 2, per: 'minute' } })

      assert.equal((await h.scim('GET', '/Users')).status, 200)
      assert.equal((await h.scim('GET', '/Users')).status, 200)
      const refused = await h.scim('GET', '/Users')
      assert.equal(refused.status, 429)
      assert.match(refused.body.detail, /this tenant's \(all its tokens together\) rate limit of 2 requests a minute \(bursts of up to 2\)/)
      const wait = Number(refused.headers['retry-after'])
      assert.ok(wait >= 1 && wait <= 30, `Retry-After ${wait}`)

      for (let i = 0; i < 10; i++) {
        const res = await h.scimAs(globex.scimToken, 'GET', '/scim/v2/enterprises/globex/Users')
        assert.equal(res.status, 200, `the other tenant's request ${i + 1}`)
      }

      // Back to the server's limits: served at once.
      const reset = await h.admin('PATCH', '/tenants/organization:acme/settings', { rateLimits: { profile: 'server' } })
      assert.deepEqual(reset.body.rateLimits, { profile: 'server' })
      assert.equal((await h.scim('GET', '/Users')).status, 200)
    })

    test("profile off lifts the server's limits for that tenant alone", async () => {
      const tight = await startHarness(open, configFromEnv({ ROSTER_RATE_LIMIT_TOKEN: '1/min', ROSTER_RATE_LIMIT_TENANT: 'off' }))
      try {
        const admin = (await issueAdminToken(tight.store)).token
        const loose = await createTenant(tight.store, 'enterprise', 'loose')
        const looseToken = (await issueToken(tight.store, loose)).token
        const off = await tight.raw({
          method: 'PATCH',
          url: '/admin/v1/tenants/enterprise:loose/settings',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ rateLimits: { profile: 'off' } }),
        })
        assert.equal(off.status, 200, off.text)
        assert.equal((await tight.scim('GET', '/Users')).status, 200)
        assert.equal((await tight.scim('GET', '/Users')).status, 429, "the organization keeps the server's 1 a minute")
        for (let i = 0; i < 5; i++) {
          const res = await tight.raw({ method: 'GET', url: '/scim/v2/enterprises/loose/Users', headers: { authorization: `Bearer ${looseToken}` } })
          assert.equal(res.status, 200)
        }
      } finally {
        await tight.close()
      }
    })
  })
}
