/**
 * An account's login history (GET …/accounts/{id}/login-history), on every store: sessions and
 * tokens newest first, with last use and state, in cursor pages; tenant isolation.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { STORES } from '../../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from './admin-harness.js'

for (const { name, open } of STORES) {
  describe(`login history [${name}]`, () => {
    let h: AdminHarness
    let accountId = ''
    const made: string[] = []

    before(async () => {
      h = await startAdmin(open)
      const account = await h.admin('POST', '/tenants/organization:acme/accounts', { login: 'lena' })
      assert.equal(account.status, 201, account.text)
      accountId = account.body.id
      for (const [path, body] of [
        ['sessions', { name: 'web', expiresInDays: 1 }],
        ['tokens', { name: 'ci' }],
        ['sessions', { name: 'mobile' }],
        ['sessions', { name: 'cli' }],
        ['tokens', { name: 'deploy' }],
      ] as const) {
        const res = await h.admin('POST', `/tenants/organization:acme/accounts/${accountId}/${path}`, body)
        assert.equal(res.status, 201, res.text)
        made.push(res.body.id)
        if (body.name === 'web') {
          assert.equal((await h.admin('POST', '/tenants/organization:acme/sessions/verify', { secret: res.body.secret })).status, 200)
        }
      }
      // A session that has run out, written as the store keeps one.
      const expired = randomUUID()
      await h.store.forTenant(h.tenant).transaction((tx) =>
        tx.accounts.insertCredential({
          id: expired,
          tenantId: h.tenant.id,
          accountId,
          kind: 'session',
          name: 'old laptop',
          hash: randomUUID().replace(/-/g, '').repeat(2),
          hint: 'old',
          createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
          expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
          lastUsedAt: null,
          revokedAt: null,
        }),
      )
      made.push(expired)
      assert.equal((await h.admin('DELETE', `/tenants/organization:acme/accounts/${accountId}/sessions/${made[2]}`)).status, 204)
    })
    after(() => h.close())

    test('sessions and tokens, newest first, with use and state, two at a time', async () => {
      const { items, pages } = await walk(h, `/tenants/organization:acme/accounts/${accountId}/login-history?limit=2`)
      assert.equal(pages, 3)
      assert.deepEqual(items.map((e) => e.id), [...made].reverse())
      const byName = Object.fromEntries(items.map((e) => [e.name, e]))
      assert.deepEqual(
        items.map((e) => `${e.kind} ${e.name} ${e.state}`),
        ['session old laptop expired', 'token deploy active', 'session cli active', 'session mobile revoked', 'token ci active', 'session web active'],
      )
      assert.ok(byName.web.lastUsedAt, 'verifying the session marked its use')
      assert.equal(byName.cli.lastUsedAt, null)
      assert.ok(byName.mobile.revokedAt)
      assert.equal('hash' in byName.web, false, 'never the hash')
    })

    test('an unknown account is 404; a cursor of another list is refused; another tenant is not reached', async () => {
      const none = await h.admin('GET', `/tenants/organization:acme/accounts/${randomUUID()}/login-history`)
      assert.equal(none.status, 404)
      assert.equal(none.body.type, 'urn:roster:problem:not-found')
      const first = await h.admin('GET', `/tenants/organization:acme/accounts/${accountId}/login-history?limit=1`)
      assert.ok(first.body.nextCursor)
      const wrong = await h.admin('GET', `/tenants/organization:acme/accounts/${accountId}/sessions?cursor=${first.body.nextCursor}`)
      assert.equal(wrong.status, 400)
      assert.equal(wrong.body.type, 'urn:roster:problem:invalid-cursor')
      const { tenant } = await h.enterprise('globex')
      const { token } = await issueAdminToken(h.store, { tenant })
      const other = await h.admin('GET', `/tenants/organization:acme/accounts/${accountId}/login-history`, undefined, token)
      assert.equal(other.status, 404)
      const own = await h.admin('GET', `/tenants/enterprise:globex/accounts/${accountId}/login-history`, undefined, token)
      assert.equal(own.status, 404, "the account is not the other tenant's")
    })
  })
}
