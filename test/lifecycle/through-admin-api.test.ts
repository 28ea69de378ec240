/**
 * One IdP's whole story, end to end over HTTP: Entra ID provisions, updates, deactivates,
 * reactivates and deletes through SCIM, and every effect is checked through the admin API, as
 * the application (or its administrator) would see it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { STORES, startHarness, type Harness } from '../helpers/harness.js'
import { entraDeactivate, entraReactivate, entraUser, PATCH_OP, tenantClient, type TenantClient } from './tenant-client.js'

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'

for (const { name, open } of STORES) {
  describe(`an Entra lifecycle seen through the admin API [${name}]`, () => {
    let h: Harness
    let e: TenantClient
    let admin: (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<{ status: number; body: any }>
    before(async () => {
      h = await startHarness(open)
      e = await tenantClient(h, 'enterprise', 'contoso', { shortCode: 'cto' })
      const { token } = await issueAdminToken(h.store, { tenant: e.tenant })
      admin = async (method, path, body) => {
        const res = await h.app.inject({
          method,
          url: `/admin/v1/tenants/enterprise:contoso${path}`,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
          ...(body !== undefined && { payload: JSON.stringify(body) }),
        })
        return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined }
      }
    })
    after(() => h.close())

    test('provision → update → team → deactivate → reactivate → delete, each effect visible through the admin API', async () => {
      // Provision: an account with an email in the outbox.
      const created = await e.scim('POST', '/Users', entraUser('ada.lovelace@contoso.com'))
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const userId = created.body.id as string
      const found = await admin('GET', '/accounts?search=ada')
      assert.equal(found.status, 200)
      assert.equal(found.body.items.length, 1)
      const account = found.body.items[0]
      assert.equal(account.login, 'ada-lovelace_cto')
      assert.equal(account.state, 'active')
      assert.equal(account.scimManaged, true)
      const outbox = await admin('GET', '/outbox?state=pending')
      assert.deepEqual(outbox.body.items.map((m: { recipient: string; template: string }) => [m.template, m.recipient]), [['welcome', 'ada.lovelace@contoso.com']])

      // The application signs her in: a session and a personal access token.
      const session = await admin('POST', `/accounts/${account.id}/sessions`, {})
      assert.equal(session.status, 201, JSON.stringify(session.body))
      const pat = await admin('POST', `/accounts/${account.id}/tokens`, { name: 'laptop' })
      assert.equal(pat.status, 201, JSON.stringify(pat.body))
      assert.equal((await admin('POST', '/sessions/verify', { secret: session.body.secret })).status, 200)

      // Update overwrites; require-SCIM keeps the admin from changing what the IdP owns.
      await e.scim('PATCH', `/Users/${userId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'userName', value: 'ada@contoso.com' },
          { op: 'Replace', path: 'displayName', value: 'Ada King' },
        ],
      })
      const renamed = await admin('GET', `/accounts/${account.id}`)
      assert.equal(renamed.body.login, 'ada_cto')
      assert.equal(renamed.body.displayName, 'Ada King')
      assert.ok(renamed.body.history.some((x: { action: string }) => x.action === 'renamed'))
      const refused = await admin('POST', `/accounts/${account.id}/suspend`)
      assert.equal(refused.status, 403)
      assert.match(refused.body.detail, /must come from the IdP/)

      // A team linked to her group.
      const group = await e.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Analysts', externalId: 'g-1' })
      const team = await admin('POST', '/teams', { name: 'Analytical Engines' })
      assert.equal(team.status, 201, JSON.stringify(team.body))
      const linked = await admin('POST', `/teams/${team.body.id}/link`, { groupId: group.body.id })
      assert.equal(linked.status, 200, JSON.stringify(linked.body))
      await e.scim('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] })
      const members = await admin('GET', `/teams/${team.body.id}/members`)
      assert.deepEqual(members.body.items.map((m: { accountId: string; source: string }) => [m.accountId, m.source]), [[account.id, 'group']])

      // Deactivate: suspended, hashed login, credentials revoked, out of the team.
      assert.equal((await e.scim('PATCH', `/Users/${userId}`, entraDeactivate)).status, 200)
      const suspended = (await admin('GET', `/accounts/${account.id}`)).body
      assert.equal(suspended.state, 'suspended')
      assert.match(suspended.login, /^[0-9a-f]{20}_cto$/)
      const sessions = (await admin('GET', `/accounts/${account.id}/sessions`)).body.items
      assert.ok(sessions.length === 1 && sessions[0].revokedAt !== null)
      const tokens = (await admin('GET', `/accounts/${account.id}/tokens`)).body.items
      assert.ok(tokens.length === 1 && tokens[0].revokedAt !== null)
      assert.equal((await admin('POST', '/sessions/verify', { secret: session.body.secret })).status, 401)
      assert.deepEqual((await admin('GET', `/teams/${team.body.id}/members`)).body.items, [])
      const identity = (await admin('GET', '/identities?state=linked')).body.items.find((i: { scimUserId: string }) => i.scimUserId === userId)
      assert.equal(identity.active, false)

      // Reactivate: all back.
      assert.equal((await e.scim('PATCH', `/Users/${userId}`, entraReactivate)).status, 200)
      const back = (await admin('GET', `/accounts/${account.id}`)).body
      assert.equal(back.state, 'active')
      assert.equal(back.login, 'ada_cto')
      assert.deepEqual(back.emails, ['ada.lovelace@contoso.com'])
      assert.equal((await admin('GET', `/teams/${team.body.id}/members`)).body.items.length, 1)

      // Hard delete: anonymised tombstone; the login is free for a new account.
      assert.equal((await e.scim('DELETE', `/Users/${userId}`)).status, 204)
      const tombstone = (await admin('GET', `/accounts/${account.id}`)).body
      assert.equal(tombstone.state, 'deleted')
      assert.equal(tombstone.login, null)
      assert.deepEqual(tombstone.emails, [])
      assert.deepEqual((await admin('GET', `/accounts/${account.id}/sessions`)).body.items, [])
      const reused = await admin('POST', '/accounts', { login: 'ada_cto' })
      assert.equal(reused.status, 201, JSON.stringify(reused.body))
      assert.equal((await admin('GET', `/teams/${team.body.id}/members`)).body.items.length, 0)
    })
  })
}
