import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { loggedUrl } from '../../src/http/log-fields.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken, revokeToken } from '../../src/provisioning/tokens.js'
import { STORES } from '../helpers/harness.js'
import { startListening, type Listening, type LogLine } from './listening.js'

const BASE = '/scim/v2/organizations/acme'

test('loggedUrl: filter values are left out, the filter keeps its shape, other parameters stay', () => {
  const url = (filter: string, rest = '') => `/Users?${rest}filter=${encodeURIComponent(filter)}`
  const shown = (logged: string) => decodeURIComponent(logged.slice(logged.indexOf('filter=') + 7))
  assert.equal(shown(loggedUrl(url('userName eq "bjensen@example.com"'))), 'userName eq "…"')
  assert.equal(
    shown(loggedUrl(url('emails[type eq "work" and value co \'@example.com\'] or externalId eq jyoung'))),
    'emails[type eq "…" and value co "…"] or externalId eq …',
  )
  assert.equal(shown(loggedUrl(url('title pr and not (employeeNumber gt 10)'))), 'title pr and not (employeeNumber gt …)')
  assert.equal(shown(loggedUrl(url('userName eq "unterminated'))), '…')
  assert.equal(loggedUrl('/Users?count=5&startIndex=2'), '/Users?count=5&startIndex=2')
  assert.equal(loggedUrl('/Users/abc'), '/Users/abc')
  const mixed = loggedUrl(`/Users?count=2&Filter=${encodeURIComponent('userName eq "x@y.z"')}&attributes=userName`)
  assert.ok(mixed.startsWith('/Users?count=2&Filter='), mixed)
  assert.ok(mixed.endsWith('&attributes=userName'), mixed)
  assert.ok(!mixed.includes('x%40y.z') && !mixed.includes('x@y.z'), mixed)
  assert.ok(!loggedUrl('/Users?filter=userName+eq+%22a%40b.c%22').includes('a%40b.c'))
  assert.ok(!loggedUrl('/Users?filter=%ZZ%22secret%22').includes('secret'))
})

for (const { name, open } of STORES) {
  describe(`log lines that explain [${name}]`, () => {
    let s: Listening
    before(async () => {
      s = await startListening(open)
    })
    after(() => s.close())

    const get = async (url: string, authorization?: string) => {
      const before = s.logs.length
      const res = await s.app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } })
      return { status: res.statusCode, lines: s.logs.slice(before) }
    }
    const only = (lines: LogLine[], msg: string): LogLine => {
      const found = lines.filter((l) => l.msg === msg)
      assert.equal(found.length, 1, `one '${msg}' line in ${JSON.stringify(lines)}`)
      return found[0]!
    }

    test('a 401 says why, names the token by id and name, never its secret', async () => {
      const named = await issueToken(s.store, s.tenant, { name: 'okta-prod' })
      const cases: Array<[string, string | undefined, Record<string, unknown>]> = [
        [`${BASE}/Users`, undefined, { reason: 'no bearer token', tenant: 'organization/acme' }],
        [`${BASE}/Users`, 'Basic dXNlcjpwYXNz', { reason: 'not a bearer token' }],
        [`${BASE}/Users`, 'Bearer nonsense', { reason: 'malformed token' }],
        [`${BASE}/Users`, `Bearer roster_${'A'.repeat(43)}`, { reason: 'unknown token' }],
        ['/scim/v2/organizations/nobody/Users', `Bearer ${named.token}`, {
          reason: 'unknown tenant',
          tenant: 'organization/nobody',
          tokenId: named.record.id,
          tokenName: 'okta-prod',
        }],
      ]
      for (const [url, authorization, expected] of cases) {
        const { status, lines } = await get(url, authorization)
        assert.equal(status, 401, url)
        const line = only(lines, 'unauthorized')
        for (const [key, value] of Object.entries(expected)) assert.equal(line[key], value, `${key} of ${JSON.stringify(line)}`)
        assert.equal(line.level, 30)
        assert.ok(!JSON.stringify(lines).includes(named.token), 'the secret is never logged')
      }

      const other = await createTenant(s.store, 'enterprise', 'acme')
      const theirs = await issueToken(s.store, other, { name: 'enterprise-idp' })
      const foreign = only((await get(`${BASE}/Users`, `Bearer ${theirs.token}`)).lines, 'unauthorized')
      assert.equal(foreign.reason, "another tenant's token")
      assert.equal(foreign.tokenName, 'enterprise-idp')

      const expired = await issueToken(s.store, s.tenant, { name: 'old', expiresInDays: 1, now: new Date(Date.now() - 2 * 86_400_000) })
      const late = only((await get(`${BASE}/Users`, `Bearer ${expired.token}`)).lines, 'unauthorized')
      assert.equal(late.reason, 'expired token')
      assert.equal(late.tokenId, expired.record.id)

      const revoked = await issueToken(s.store, s.tenant, { name: 'gone' })
      await revokeToken(s.store, revoked.record.id)
      const refused = only((await get(`${BASE}/Users`, `Bearer ${revoked.token}`)).lines, 'unauthorized')
      assert.equal(refused.reason, 'revoked token')
      assert.equal(refused.tokenName, 'gone')
    })

    test('request lines name the tenant as kind/slug, so an organization and an enterprise sharing a slug differ', async () => {
      const enterprise = (await s.store.findTenant('enterprise', 'acme')) ?? (await createTenant(s.store, 'enterprise', 'acme'))
      const token = (await issueToken(s.store, enterprise)).token
      const org = only((await get(`${BASE}/Users`, `Bearer ${s.token}`)).lines, 'request')
      assert.equal(org.tenant, 'organization/acme')
      const ent = only((await get('/scim/v2/enterprises/acme/Users', `Bearer ${token}`)).lines, 'request')
      assert.equal(ent.tenant, 'enterprise/acme')
      const instance = (await s.store.findTenant('instance', ''))!
      const instanceToken = (await issueToken(s.store, instance)).token
      assert.equal(only((await get('/scim/v2/Users', `Bearer ${instanceToken}`)).lines, 'request').tenant, 'instance')
    })

    test('the request line at info level leaves filter values out', async () => {
      const filter = encodeURIComponent('userName eq "private.person@example.com"')
      const { status, lines } = await get(`${BASE}/Users?filter=${filter}`, `Bearer ${s.token}`)
      assert.equal(status, 200)
      const line = only(lines, 'request')
      assert.equal(line.level, 30)
      assert.equal(decodeURIComponent(line.url), `${BASE}/Users?filter=userName eq "…"`)
      assert.ok(!JSON.stringify(lines).includes('private.person'), JSON.stringify(lines))
    })

    test('errors found before routing are logged as requests too', async () => {
      const { status, lines } = await get(`${BASE}/Users/%ff`, `Bearer ${s.token}`)
      assert.equal(status, 400)
      assert.equal(only(lines, 'request').status, 400)
    })
  })
}
