import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const DAY_MS = 86_400_000

for (const { name, open } of STORES) {
  describe(`admin API: tenants, settings, SCIM on and off, SCIM tokens [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    test('creating tenants: key, SCIM base path, settings resolved with their defaults', async () => {
      const created = await h.admin('POST', '/tenants', { kind: 'enterprise', slug: 'initech' })
      assert.equal(created.status, 201)
      assert.equal(created.body.key, 'enterprise:initech')
      assert.equal(created.body.scimBasePath, '/scim/v2/enterprises/initech')
      assert.equal(created.body.settings.shortCode, 'initech')
      assert.equal(created.body.settings.requireScim, true)
      assert.equal(created.body.settings.loginRule, 'github')
      const org = await h.admin('POST', '/tenants', { kind: 'organization', slug: 'umbrella', shortCode: 'umb' })
      assert.equal(org.body.settings.shortCode, 'umb')
      const bare = await h.admin('POST', '/tenants', { kind: 'enterprise', slug: 'bare', shortCode: null })
      assert.equal(bare.body.settings.shortCode, null)
      const read = await h.admin('GET', `/tenants/${created.body.id}`)
      assert.deepEqual(read.body, created.body)
    })

    test('settings change in part, and come back whole and resolved', async () => {
      const res = await h.admin('PATCH', '/tenants/organization:acme/settings', { invitationDays: 14, keepEmail: true, shortCode: null })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.invitationDays, 14)
      assert.equal(res.body.keepEmail, true)
      assert.equal(res.body.loginRule, 'userName', 'untouched settings keep their default')
      const tenant = (await h.admin('GET', '/tenants/organization:acme')).body
      assert.deepEqual(tenant.settings, res.body)
      const refused = await h.admin('PATCH', '/tenants/organization:acme/settings', { scimEnabled: false })
      assert.equal(refused.status, 400)
      assert.match(refused.body.detail, /its own call/)
      const unknown = await h.admin('PATCH', '/tenants/organization:acme/settings', { colour: 'blue' })
      assert.equal(unknown.body.errors[0].path, '/body/colour')
    })

    test('disabling SCIM: its endpoints answer 403 and the report says what changed', async () => {
      const { scimToken } = await h.enterprise('wayne')
      const dry = await h.admin('POST', '/tenants/enterprise:wayne/scim/disable', { dryRun: true })
      assert.deepEqual(dry.body, { scimEnabled: true, dryRun: true, affected: 0, accounts: [] })
      const done = await h.admin('POST', '/tenants/enterprise:wayne/scim/disable')
      assert.equal(done.status, 200)
      assert.equal(done.body.scimEnabled, false)
      assert.equal((await h.scimAs(scimToken, 'GET', '/scim/v2/enterprises/wayne/Users')).status, 403)
      const again = await h.admin('POST', '/tenants/enterprise:wayne/scim/disable', {})
      assert.equal(again.status, 409)
    })

    test('enabling SCIM suspends the accounts the IdP does not manage, except the setup owner', async () => {
      await h.enterprise('hooli')
      const t = '/tenants/enterprise:hooli'
      await h.admin('POST', `${t}/scim/disable`)
      const owner = (await h.admin('POST', `${t}/accounts`, { login: 'gavin' })).body
      const dev = (await h.admin('POST', `${t}/accounts`, { login: 'richard' })).body
      const dry = await h.admin('POST', `${t}/scim/enable`, { dryRun: true, setupOwner: 'gavin' })
      assert.equal(dry.status, 200, dry.text)
      assert.equal(dry.body.dryRun, true)
      assert.equal(dry.body.scimEnabled, false)
      assert.equal(dry.body.affected, 1)
      assert.deepEqual(dry.body.accounts, [{ id: dev.id, login: 'richard', state: 'active' }])
      assert.equal((await h.admin('GET', `${t}/accounts/${dev.id}`)).body.state, 'active', 'a dry run changes nothing')
      const done = await h.admin('POST', `${t}/scim/enable`, { setupOwner: owner.id })
      assert.equal(done.body.scimEnabled, true)
      assert.equal(done.body.setupOwner, owner.id)
      assert.equal((await h.admin('GET', `${t}/accounts/${dev.id}`)).body.state, 'suspended')
      const kept = (await h.admin('GET', `${t}/accounts/${owner.id}`)).body
      assert.equal(kept.state, 'active')
      assert.equal(kept.setupOwner, true)
      assert.equal((await h.admin('GET', t)).body.settings.requireScim, true)
      assert.equal((await h.admin('POST', `${t}/scim/enable`)).status, 409)
      const noOwner = await h.admin('POST', `${t}/scim/enable`, { dryRun: true, setupOwner: 'nobody' })
      assert.equal(noOwner.status, 404)
    })

    test('SCIM tokens: the secret once, never a hash; revocation; another tenant cannot revoke them', async () => {
      const t = '/tenants/organization:acme'
      const issued = await h.admin('POST', `${t}/scim-tokens`, { name: 'okta' })
      assert.equal(issued.status, 201)
      assert.match(issued.body.secret, /^roster_[A-Za-z0-9_-]{43}$/)
      const lifetime = Date.parse(issued.body.expiresAt) - Date.parse(issued.body.createdAt)
      assert.equal(Math.round(lifetime / DAY_MS), 365)
      assert.equal((await h.scimAs(issued.body.secret, 'GET', `${h.base}/Users`)).status, 200)
      const forever = await h.admin('POST', `${t}/scim-tokens`, { expiresInDays: null })
      assert.equal(forever.body.expiresAt, null)
      assert.equal(forever.body.name, 'scim')

      const listed = await h.admin('GET', `${t}/scim-tokens`)
      assert.equal(listed.body.items.length, 3, 'the harness token and these two')
      assert.ok(!listed.text.includes(issued.body.secret))
      for (const token of listed.body.items) assert.deepEqual(Object.keys(token).sort(), ['createdAt', 'expiresAt', 'hint', 'id', 'lastUsedAt', 'name', 'revokedAt'])

      const { tenant: other } = await h.enterprise('cyberdyne')
      const elsewhere = await h.admin('DELETE', `/tenants/${other.id}/scim-tokens/${forever.body.id}`)
      assert.equal(elsewhere.status, 404)
      assert.equal((await h.scimAs(forever.body.secret, 'GET', `${h.base}/Users`)).status, 200, 'still valid')

      const revoke = await h.admin('DELETE', `${t}/scim-tokens/${issued.body.id}`)
      assert.equal(revoke.status, 204)
      assert.equal(revoke.text, '')
      const after = (await h.admin('GET', `${t}/scim-tokens`)).body.items.find((x: { id: string }) => x.id === issued.body.id)
      assert.ok(after.revokedAt)
      assert.equal((await h.admin('DELETE', `${t}/scim-tokens/${issued.body.id}`)).status, 409)
    })
  })
}
