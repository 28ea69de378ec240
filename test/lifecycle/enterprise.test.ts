/**
 * The account lifecycle of an enterprise tenant driven through SCIM exactly as Entra ID and
 * Okta send it, checked through the services the admin API serves (docs/accounts.md).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueCredential, listCredentials, verifyCredential } from '../../src/provisioning/accounts/credentials.js'
import { STORES, startHarness, type Harness } from '../helpers/harness.js'
import { entraDeactivate, entraReactivate, entraUser, PATCH_OP, tenantClient, type TenantClient } from './tenant-client.js'

for (const { name, open } of STORES) {
  describe(`enterprise account lifecycle through SCIM [${name}]`, () => {
    let h: Harness
    let e: TenantClient
    before(async () => {
      h = await startHarness(open)
      e = await tenantClient(h, 'enterprise', 'octo-corp', { shortCode: 'octo' })
    })
    after(() => h.close())

    test('provision: an account with the GitHub login, roles, and a welcome email in the outbox', async () => {
      const res = await e.scim('POST', '/Users', entraUser('mona.lisa@contoso.com', { roles: [{ value: 'User' }, { value: 'Billing_Manager' }] }))
      assert.equal(res.status, 201, res.text)
      const account = await e.accountOf(res.body.id)
      assert.ok(account)
      assert.equal(account.login, 'mona-lisa_octo')
      assert.equal(account.state, 'active')
      assert.equal(account.scimManaged, true)
      assert.deepEqual(account.emails, ['mona.lisa@contoso.com'])
      assert.deepEqual(account.roles, ['user', 'billing_manager'])
      assert.equal(account.displayName, 'Display mona.lisa')
      const mail = (await e.outbox()).filter((m) => m.recipient === 'mona.lisa@contoso.com')
      assert.equal(mail.length, 1)
      assert.equal(mail[0]!.template, 'welcome')
      assert.match(mail[0]!.text, /mona-lisa_octo/)
    })

    test('logins collide as on GitHub: bob@contoso.com and bob@fabrikam.com → 409 uniqueness naming the login; nothing is written', async () => {
      const first = await e.scim('POST', '/Users', entraUser('bob@contoso.com'))
      assert.equal(first.status, 201, first.text)
      const second = await e.scim('POST', '/Users', entraUser('bob@fabrikam.com'))
      assert.equal(second.status, 409, second.text)
      assert.equal(second.body.scimType, 'uniqueness')
      assert.match(second.body.detail, /'bob_octo'/)
      const listed = await e.scim('GET', '/Users?filter=userName eq "bob@fabrikam.com"')
      assert.equal(listed.body.totalResults, 0, 'the SCIM user is not kept without its account')
    })

    test('a login too long → 400 invalidValue showing the derived login and the limit', async () => {
      const res = await e.scim('POST', '/Users', entraUser(`${'a'.repeat(40)}@contoso.com`))
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.match(res.body.detail, new RegExp(`'${'a'.repeat(40)}_octo'`))
      assert.match(res.body.detail, /at most 39/)
    })

    test('an unknown role → 400 invalidValue listing the roles', async () => {
      const res = await e.scim('POST', '/Users', entraUser('rolf@contoso.com', { roles: [{ value: 'Admin' }] }))
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidValue')
      assert.match(res.body.detail, /'Admin' is not a role; roles are user, guest_collaborator, enterprise_owner, billing_manager/)
    })

    test('update overwrites: Entra PATCH renames (old login in history), changes name, email and roles', async () => {
      const u = (await e.scim('POST', '/Users', entraUser('carol@contoso.com'))).body
      const res = await e.scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'userName', value: 'caroline@contoso.com' },
          { op: 'Replace', path: 'displayName', value: 'Caroline' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'caroline@contoso.com' },
          { op: 'Add', path: 'roles', value: [{ value: 'enterprise_owner' }] },
        ],
      })
      assert.equal(res.status, 200, res.text)
      const account = (await e.accountOf(u.id))!
      assert.equal(account.login, 'caroline_octo')
      assert.equal(account.displayName, 'Caroline')
      assert.deepEqual(account.emails, ['caroline@contoso.com'])
      assert.deepEqual(account.roles, ['enterprise_owner'])
      const { history } = await e.accounts.get(account.id)
      assert.ok(history.some((h) => h.action === 'renamed' && h.detail.from === 'carol_octo' && h.detail.to === 'caroline_octo'))
    })

    test('deactivate → suspended, login hashed, email obfuscated, sessions and tokens revoked, still listed with active false', async () => {
      const u = (await e.scim('POST', '/Users', entraUser('dave@contoso.com'))).body
      const account = (await e.accountOf(u.id))!
      const session = await issueCredential(e.store, account.id, 'session')
      await issueCredential(e.store, account.id, 'token', { name: 'ci' })
      assert.equal((await verifyCredential(e.store, session.secret)).account.id, account.id)

      const res = await e.scim('PATCH', `/Users/${u.id}`, entraDeactivate)
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      const suspended = (await e.accountOf(u.id))!
      assert.equal(suspended.state, 'suspended')
      assert.match(suspended.login!, /^[0-9a-f]{20}_octo$/)
      assert.match(suspended.emails[0]!, /@suspended\.invalid$/)
      const credentials = await listCredentials(e.store, account.id)
      assert.equal(credentials.length, 2)
      assert.ok(credentials.every((c) => c.revokedAt !== null))
      await assert.rejects(verifyCredential(e.store, session.secret), { status: 401 })
      const listed = await e.scim('GET', `/Users?filter=userName eq "dave@contoso.com"`)
      assert.equal(listed.body.totalResults, 1)
      assert.equal(listed.body.Resources[0].active, false)
      // The login is free meanwhile.
      const other = await e.accounts.create({ login: 'dave_octo' })
      await e.accounts.delete(other.id)
    })

    test('reactivate → active, login and email restored', async () => {
      const u = (await e.scim('POST', '/Users', entraUser('erin@contoso.com'))).body
      await e.scim('PATCH', `/Users/${u.id}`, entraDeactivate)
      const res = await e.scim('PATCH', `/Users/${u.id}`, entraReactivate)
      assert.equal(res.status, 200, res.text)
      const account = (await e.accountOf(u.id))!
      assert.equal(account.state, 'active')
      assert.equal(account.login, 'erin_octo')
      assert.deepEqual(account.emails, ['erin@contoso.com'])
      const actions = (await e.accounts.get(account.id)).history.map((h) => h.action)
      assert.deepEqual(actions.slice(-2), ['suspended', 'unsuspended'])
    })

    test('reactivation when the login was taken meanwhile → 409 that says so; the account stays suspended', async () => {
      const u = (await e.scim('POST', '/Users', entraUser('frank@contoso.com'))).body
      await e.scim('PATCH', `/Users/${u.id}`, entraDeactivate)
      await e.accounts.create({ login: 'frank_octo' })
      const res = await e.scim('PATCH', `/Users/${u.id}`, entraReactivate)
      assert.equal(res.status, 409, res.text)
      assert.equal(res.body.scimType, 'uniqueness')
      assert.match(res.body.detail, /'frank_octo' is now used by another account/)
      assert.equal((await e.accountOf(u.id))!.state, 'suspended')
      assert.equal((await e.scim('GET', `/Users/${u.id}`)).body.active, false)
    })

    test('Okta deactivates with PUT active:false; the same PUT with active:true reactivates', async () => {
      const body = entraUser('gina@contoso.com')
      const u = (await e.scim('POST', '/Users', body)).body
      assert.equal((await e.scim('PUT', `/Users/${u.id}`, { ...body, active: false })).status, 200)
      assert.equal((await e.accountOf(u.id))!.state, 'suspended')
      assert.equal((await e.scim('PUT', `/Users/${u.id}`, { ...body, active: true })).status, 200)
      assert.equal((await e.accountOf(u.id))!.state, 'active')
    })

    test('DELETE → anonymised tombstone, credentials deleted, login reusable by a new account', async () => {
      const u = (await e.scim('POST', '/Users', entraUser('hank@contoso.com'))).body
      const account = (await e.accountOf(u.id))!
      await issueCredential(e.store, account.id, 'session')
      assert.equal((await e.scim('DELETE', `/Users/${u.id}`)).status, 204)
      const { account: tombstone, history } = await e.accounts.get(account.id)
      assert.equal(tombstone.state, 'deleted')
      assert.equal(tombstone.login, null)
      assert.equal(tombstone.displayName, '')
      assert.deepEqual(tombstone.emails, [])
      assert.equal(tombstone.scimUserId, null)
      assert.equal(history.at(-1)!.action, 'deleted')
      assert.equal((await listCredentials(e.store, account.id)).length, 0)
      const again = await e.scim('POST', '/Users', entraUser('hank@contoso.com'))
      assert.equal(again.status, 201, again.text)
      const fresh = (await e.accountOf(again.body.id))!
      assert.notEqual(fresh.id, account.id)
      assert.equal(fresh.login, 'hank_octo')
    })

    test('an existing account with the login is linked, not duplicated; the IdP overwrites name and emails', async () => {
      const local = await e.accounts.create({ login: 'ivy_octo', displayName: 'Old Name', emails: ['ivy@old.example', 'ivy@home.example'], roles: ['billing_manager'] })
      const res = await e.scim('POST', '/Users', entraUser('ivy@contoso.com'))
      assert.equal(res.status, 201, res.text)
      const linked = (await e.accountOf(res.body.id))!
      assert.equal(linked.id, local.id)
      assert.equal(linked.scimManaged, true)
      assert.equal(linked.displayName, 'Display ivy')
      assert.deepEqual(linked.emails, ['ivy@contoso.com'])
      assert.deepEqual(linked.roles, ['user'])
      const welcome = (await e.outbox()).filter((m) => m.recipient === 'ivy@contoso.com')
      assert.equal(welcome.length, 0, 'a linked account is not new: no welcome email')
    })

    test('a link that would be ambiguous → 409 that says why', async () => {
      await e.accounts.create({ login: 'jo_octo', emails: ['jo@elsewhere.example'] })
      await e.accounts.create({ login: 'joanna', emails: ['jo@contoso.com'] })
      const res = await e.scim('POST', '/Users', entraUser('jo@contoso.com'))
      assert.equal(res.status, 409, res.text)
      assert.match(res.body.detail, /cannot link: the login 'jo_octo' is account .* but the email jo@contoso.com belongs to account/)
    })

    test('concurrent creates (batched together on PostgreSQL): each gets its own answer; a colliding login fails alone', async () => {
      const names = Array.from({ length: 30 }, (_, i) => `batch${i}@contoso.com`)
      names.push('zed@contoso.com', 'zed@fabrikam.com', 'batch3@contoso.com')
      const results = await Promise.all(names.map((n) => e.scim('POST', '/Users', entraUser(n))))
      const statuses = results.map((r) => r.status)
      assert.equal(statuses.filter((s) => s === 201).length, 31, statuses.join(','))
      assert.equal(statuses.filter((s) => s === 409).length, 2)
      for (const r of results.filter((r) => r.status === 201)) {
        const account = await e.accountOf(r.body.id)
        assert.ok(account, `account for ${r.body.userName}`)
      }
      const zeds = results.slice(30, 32)
      assert.equal(zeds.filter((r) => r.status === 201).length, 1)
      assert.match(zeds.find((r) => r.status === 409)!.body.detail, /'zed_octo'/)
    })

    test('require SCIM: the admin cannot suspend, delete, rename or change roles of a SCIM-managed account (403 saying why)', async () => {
      const u = (await e.scim('POST', '/Users', entraUser('kim@contoso.com'))).body
      const account = (await e.accountOf(u.id))!
      for (const attempt of [
        () => e.accounts.suspend(account.id),
        () => e.accounts.delete(account.id),
        () => e.accounts.rename(account.id, 'kimberly'),
        () => e.accounts.setRoles(account.id, ['enterprise_owner']),
      ]) {
        await assert.rejects(attempt(), (err: { status: number; detail: string }) => {
          assert.equal(err.status, 403)
          assert.match(err.detail, /managed by the identity provider through SCIM .* must come from the IdP/)
          return true
        })
      }
      // A local account is the admin's to change.
      const local = await e.accounts.create({ login: 'local-admin' })
      assert.equal((await e.accounts.suspend(local.id)).state, 'suspended')
    })
  })
}
