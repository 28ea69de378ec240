/**
 * Organizations (invitations, GitHub's remove-on-deactivate policy), enabling and disabling
 * SCIM on the instance, and tenants that keep SCIM resources only.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { disableScim, enableScim } from '../../src/provisioning/accounts/scim-switch.js'
import { hashSecret } from '../../src/provisioning/accounts/lifecycle.js'
import { reconcileTenants } from '../../src/provisioning/reconcile-tenants.js'
import { STORES, startHarness, type Harness } from '../helpers/harness.js'
import { entraDeactivate, entraUser, tenantClient } from './tenant-client.js'

for (const { name, open } of STORES) {
  describe(`organizations: invitations and identities [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('a SCIM create makes an unlinked identity and an invitation email; accepting links it', async () => {
      const o = await tenantClient(h, 'organization', 'invites')
      const u = (await o.scim('POST', '/Users', entraUser('nina@contoso.com'))).body
      assert.equal(await o.accountOf(u.id), undefined)
      const identities = await o.invitations.identities({ limit: 10, state: 'unlinked' })
      assert.deepEqual(identities.items.map((i) => i.scimUserId), [u.id])
      const [invitation] = (await o.invitations.list({ state: 'pending', limit: 10 })).items
      assert.equal(invitation!.scimUserId, u.id)
      assert.equal(invitation!.email, 'nina@contoso.com')
      const mail = await o.outbox()
      assert.equal(mail.length, 1)
      assert.equal(mail[0]!.template, 'invitation')
      const code = /invitation code is (roster_inv_\S+);/.exec(mail[0]!.text)?.[1]
      assert.ok(code, mail[0]!.text)

      const accepted = await o.invitations.accept({ token: code })
      assert.equal(accepted.invitation.state, 'accepted')
      const account = (await o.accountOf(u.id))!
      assert.equal(account.id, accepted.accountId)
      // Organizations take the userName as the login unless told otherwise.
      assert.equal(account.login, 'nina@contoso.com')
      assert.deepEqual((await o.invitations.identities({ limit: 10, state: 'linked' })).items.map((i) => i.login), ['nina@contoso.com'])
      await assert.rejects(o.invitations.accept({ token: code }), { status: 409 })
    })

    test('an account with the login already → linked at once, no invitation', async () => {
      const o = await tenantClient(h, 'organization', 'prelinked')
      const local = await o.accounts.create({ login: 'omar@contoso.com' })
      const u = (await o.scim('POST', '/Users', entraUser('omar@contoso.com'))).body
      assert.equal((await o.accountOf(u.id))!.id, local.id)
      assert.equal((await o.invitations.list({ limit: 10 })).items.length, 0)
    })

    test('invitations expire, can be sent again with a new code, and an expired one cannot be accepted', async () => {
      const o = await tenantClient(h, 'organization', 'expiry')
      const u = (await o.scim('POST', '/Users', entraUser('pia@contoso.com'))).body
      const [invitation] = (await o.invitations.list({ limit: 10 })).items
      await o.store.transaction((tx) => tx.invitations.renew(invitation!.id, hashSecret('old'), '2000-01-01T00:00:00.000Z'))
      assert.deepEqual((await o.invitations.list({ state: 'expired', limit: 10 })).items.map((i) => i.id), [invitation!.id])
      await assert.rejects(o.invitations.accept({ id: invitation!.id }), (err: { status: number; detail: string }) => {
        assert.equal(err.status, 409)
        assert.match(err.detail, /is expired; ask for it to be sent again/)
        return true
      })
      const resent = await o.invitations.resend(invitation!.id)
      assert.equal(resent.state, 'pending')
      assert.equal(resent.sentCount, 3)
      assert.ok(Date.parse(resent.expiresAt) > Date.now())
      assert.equal((await o.outbox()).filter((m) => m.template === 'invitation').length, 2)
      await o.invitations.accept({ id: invitation!.id })
      assert.ok(await o.accountOf(u.id))
    })

    test('deprovisionPolicy remove (GitHub organizations): deactivation removes the member and the SCIM identity', async () => {
      const o = await tenantClient(h, 'organization', 'remover', { settings: { deprovisionPolicy: 'remove' } })
      const local = await o.accounts.create({ login: 'quinn@contoso.com' })
      const body = entraUser('quinn@contoso.com')
      const u = (await o.scim('POST', '/Users', body)).body
      const res = await o.scim('PATCH', `/Users/${u.id}`, entraDeactivate)
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.active, false)
      assert.equal((await o.scim('GET', `/Users/${u.id}`)).status, 404)
      const { account, history } = await o.accounts.get(local.id)
      assert.equal(account.state, 'suspended')
      assert.equal(account.scimUserId, null)
      assert.equal(account.login, 'quinn@contoso.com', 'a removed member keeps its login')
      assert.equal(history.at(-1)!.action, 'removed')
      // Assigned again: a new identity, linked to the same account, which is active again.
      const again = (await o.scim('POST', '/Users', body)).body
      const back = (await o.accountOf(again.id))!
      assert.equal(back.id, local.id)
      assert.equal(back.state, 'active')
    })
  })

  describe(`enabling and disabling SCIM on the instance [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('disable → SCIM answers 403 saying why and identities are unlinked; enable (dry run first) suspends unmanaged accounts but the setup owner; IdP creates link and unsuspend', async () => {
      const i = await tenantClient(h, 'instance', '')
      const u = (await i.scim('POST', '/Users', entraUser('rosa@contoso.com'))).body
      assert.equal((await i.accountOf(u.id))!.login, 'rosa')

      const disabled = await disableScim(h.store, i.tenant)
      assert.equal(disabled.affected, 1)
      assert.equal(await i.accountOf(u.id), undefined)
      const refused = await i.scim('GET', '/Users')
      assert.equal(refused.status, 403, 'SCIM is off (within the 2 s a process trusts its tenant record)')
      assert.match(refused.body.detail, /SCIM provisioning is disabled for this tenant/)

      const owner = await i.accounts.create({ login: 'admin' })
      const sam = await i.accounts.create({ login: 'sam', emails: ['sam@old.example'] })
      const preview = await enableScim(h.store, i.tenant, { dryRun: true, setupOwner: 'admin' })
      assert.equal(preview.dryRun, true)
      assert.deepEqual(preview.accounts.map((a) => a.login).sort(), ['rosa', 'sam'])
      assert.equal((await i.accounts.get(sam.id)).account.state, 'active', 'a dry run changes nothing')

      const report = await enableScim(h.store, i.tenant, { setupOwner: 'admin' })
      assert.equal(report.affected, 2)
      assert.equal((await i.accounts.get(sam.id)).account.state, 'suspended')
      assert.equal((await i.accounts.get(owner.id)).account.state, 'active')

      const created = await i.scim('POST', '/Users', entraUser('sam@contoso.com'))
      assert.equal(created.status, 201, created.text)
      const linked = (await i.accountOf(created.body.id))!
      assert.equal(linked.id, sam.id)
      assert.equal(linked.state, 'active')
      assert.deepEqual(linked.emails, ['sam@contoso.com'])
      // The SCIM user made before the switch gets its account back on its next write.
      const touched = await i.scim('PATCH', `/Users/${u.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Rosa' }] })
      assert.equal(touched.status, 200, touched.text)
      assert.equal((await i.accountOf(u.id))!.login, 'rosa')
    })
  })

  describe(`a tenant that keeps SCIM resources only (accounts: false) [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('SCIM works as before, and no account, team row or email is made', async () => {
      const p = await tenantClient(h, 'enterprise', 'plain', { settings: { accounts: false } })
      const u = await p.scim('POST', '/Users', entraUser('tom@contoso.com', { roles: [{ value: 'not-a-role' }] }))
      assert.equal(u.status, 201, u.text)
      assert.equal((await p.scim('PATCH', `/Users/${u.body.id}`, entraDeactivate)).status, 200)
      assert.equal(await p.accountOf(u.body.id), undefined)
      assert.deepEqual(await p.outbox(), [])
    })

    test('turned on later, drift repair gives every SCIM user its account, once', async () => {
      const p = await tenantClient(h, 'enterprise', 'later', { settings: { accounts: false } })
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await p.scim('POST', '/Users', entraUser(`late${i}@contoso.com`))).body.id)
      await h.store.updateTenantSettings(p.tenant.id, { ...p.tenant.settings, accounts: true })
      const report = await reconcileTenants(h.store)
      assert.equal(report.accountsRepaired, 5)
      for (const id of ids) assert.equal((await p.accountOf(id))!.state, 'active')
      assert.equal((await reconcileTenants(h.store)).accountsRepaired, 0, 'idempotent')
    })
  })
}
