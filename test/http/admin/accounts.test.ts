import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const t = '/tenants/organization:acme'

for (const { name, open } of STORES) {
  describe(`admin API: accounts [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    test('create, read with history, list with filters', async () => {
      const created = await h.admin('POST', `${t}/accounts`, { login: 'ann', displayName: 'Ann', emails: ['ann@acme.example'], roles: ['User'] })
      assert.equal(created.status, 201, created.text)
      assert.equal(created.body.login, 'ann')
      assert.deepEqual(created.body.roles, ['user'])
      assert.equal(created.body.scimManaged, false)
      await h.admin('POST', `${t}/accounts`, { login: 'annabel' })
      await h.admin('POST', `${t}/accounts`, { login: 'bob' })
      assert.equal((await h.admin('POST', `${t}/accounts`, { login: 'ANN' })).status, 409, 'logins are unique in any case')
      const invalid = await h.admin('POST', `${t}/accounts`, { login: 'ann smith' })
      assert.equal(invalid.status, 400)
      assert.equal(invalid.body.type, 'urn:roster:problem:invalid-value')

      const read = await h.admin('GET', `${t}/accounts/${created.body.id}`)
      assert.equal(read.body.displayName, 'Ann')
      assert.deepEqual(read.body.history.map((e: { action: string }) => e.action), ['created'])
      const search = await h.admin('GET', `${t}/accounts?search=ann`)
      assert.deepEqual(search.body.items.map((a: { login: string }) => a.login).sort(), ['ann', 'annabel'])
      assert.equal((await h.admin('GET', `${t}/accounts?scimManaged=true`)).body.items.length, 0)
      assert.equal((await h.admin('GET', `${t}/accounts?state=active&scimManaged=false`)).body.items.length, 3)
    })

    test('PATCH renames, changes name and emails, sets roles; a refused change changes nothing', async () => {
      const { id } = (await h.admin('POST', `${t}/accounts`, { login: 'carol' })).body
      const res = await h.admin('PATCH', `${t}/accounts/${id}`, {
        login: 'carol2',
        displayName: 'Carol',
        emails: ['carol@acme.example'],
        roles: ['billing_manager'],
      })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.login, 'carol2')
      assert.equal(res.body.displayName, 'Carol')
      assert.deepEqual(res.body.emails, ['carol@acme.example'])
      assert.deepEqual(res.body.roles, ['billing_manager'])
      const refused = await h.admin('PATCH', `${t}/accounts/${id}`, { login: 'carol3', roles: ['pope'] })
      assert.equal(refused.status, 400)
      assert.match(refused.body.detail, /'pope' is not a role/)
      const after = (await h.admin('GET', `${t}/accounts/${id}`)).body
      assert.equal(after.login, 'carol2', 'the rename before the bad role was not made')
      assert.deepEqual(after.history.map((e: { action: string }) => e.action), ['created', 'renamed', 'roles'])
      assert.equal((await h.admin('PATCH', `${t}/accounts/${id}`, {})).body.login, 'carol2')
    })

    test('suspend, unsuspend, delete', async () => {
      const { id } = (await h.admin('POST', `${t}/accounts`, { login: 'dave' })).body
      const session = (await h.admin('POST', `${t}/accounts/${id}/sessions`)).body
      const suspended = await h.admin('POST', `${t}/accounts/${id}/suspend`)
      assert.equal(suspended.body.state, 'suspended')
      assert.ok(suspended.body.suspendedAt)
      const sessions = (await h.admin('GET', `${t}/accounts/${id}/sessions`)).body.items
      assert.ok(sessions[0].revokedAt, 'suspension revokes sessions')
      assert.equal((await h.admin('POST', `${t}/sessions/verify`, { secret: session.secret })).status, 401)
      assert.equal((await h.admin('POST', `${t}/accounts/${id}/unsuspend`)).body.state, 'active')
      const deleted = await h.admin('DELETE', `${t}/accounts/${id}`)
      assert.equal(deleted.status, 204)
      const tombstone = (await h.admin('GET', `${t}/accounts/${id}`)).body
      assert.equal(tombstone.state, 'deleted')
      assert.equal(tombstone.login, null)
      assert.equal((await h.admin('DELETE', `${t}/accounts/${id}`)).status, 409)
      assert.equal((await h.admin('POST', `${t}/accounts`, { login: 'dave' })).status, 201, 'the login is free again')
    })

    test('sessions and personal access tokens: secrets once, verification, revocation by kind', async () => {
      const account = (await h.admin('POST', `${t}/accounts`, { login: 'erin' })).body
      const base = `${t}/accounts/${account.id}`
      const session = await h.admin('POST', `${base}/sessions`, { name: 'laptop' })
      assert.equal(session.status, 201)
      assert.match(session.body.secret, /^roster_ses_/)
      const pat = await h.admin('POST', `${base}/tokens`, { name: 'ci', expiresInDays: 30 })
      assert.match(pat.body.secret, /^roster_pat_/)
      assert.equal(pat.body.kind, 'token')
      assert.ok(pat.body.expiresAt)

      const listed = await h.admin('GET', `${base}/sessions`)
      assert.deepEqual(listed.body.items.map((c: { name: string }) => c.name), ['laptop'])
      assert.ok(!listed.text.includes(session.body.secret))
      assert.ok(!('hash' in listed.body.items[0]) && !('secret' in listed.body.items[0]))

      const verified = await h.admin('POST', `${t}/sessions/verify`, { secret: session.body.secret })
      assert.equal(verified.status, 200)
      assert.equal(verified.body.account.id, account.id)
      assert.equal(verified.body.credential.id, session.body.id)
      assert.ok(verified.body.credential.lastUsedAt)
      assert.equal((await h.admin('POST', `${t}/tokens/verify`, { secret: pat.body.secret })).status, 200)
      const crossed = await h.admin('POST', `${t}/sessions/verify`, { secret: pat.body.secret })
      assert.equal(crossed.status, 401, 'a token is not a session')
      const garbage = await h.admin('POST', `${t}/tokens/verify`, { secret: 'roster_pat_nope' })
      assert.equal(garbage.status, 401)
      assert.equal(garbage.body.type, 'urn:roster:problem:unauthorized')

      assert.equal((await h.admin('DELETE', `${base}/sessions/${pat.body.id}`)).status, 404, 'a token is not revoked as a session')
      assert.equal((await h.admin('DELETE', `${base}/tokens/${pat.body.id}`)).status, 204)
      assert.equal((await h.admin('POST', `${t}/tokens/verify`, { secret: pat.body.secret })).status, 401)
      assert.equal((await h.admin('DELETE', `${base}/tokens/${pat.body.id}`)).status, 409)
      const other = (await h.admin('POST', `${t}/accounts`, { login: 'frank' })).body
      assert.equal((await h.admin('DELETE', `${t}/accounts/${other.id}/sessions/${session.body.id}`)).status, 404)
      assert.equal((await h.admin('POST', `${base}/sessions`, { expiresInDays: 0 })).status, 400)
    })

    test('an account the IdP manages cannot be changed here when the tenant requires SCIM (403)', async () => {
      const { scimToken } = await h.enterprise('globex')
      const scimUser = user('grace@globex.example', { emails: [{ value: 'grace@globex.example', primary: true }] })
      assert.equal((await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/globex/Users', scimUser)).status, 201)
      const g = '/tenants/enterprise:globex'
      const managed = (await h.admin('GET', `${g}/accounts?scimManaged=true`)).body.items
      assert.equal(managed.length, 1)
      const { id, login } = managed[0]
      assert.equal(login, 'grace_globex')
      for (const [method, path, body] of [
        ['PATCH', `/accounts/${id}`, { roles: ['enterprise_owner'] }],
        ['PATCH', `/accounts/${id}`, { login: 'grace2' }],
        ['PATCH', `/accounts/${id}`, { displayName: 'G' }],
        ['POST', `/accounts/${id}/suspend`, undefined],
        ['DELETE', `/accounts/${id}`, undefined],
      ] as const) {
        const res = await h.admin(method, g + path, body)
        assert.equal(res.status, 403, `${method} ${path}`)
        assert.equal(res.body.type, 'urn:roster:problem:forbidden')
        assert.match(res.body.detail, /identity provider/)
      }
      const unchanged = (await h.admin('GET', `${g}/accounts/${id}`)).body
      assert.equal(unchanged.state, 'active')
      assert.deepEqual(unchanged.roles, ['user'])
    })
  })
}
