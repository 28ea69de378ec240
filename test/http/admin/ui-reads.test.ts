/**
 * The admin API's reads made for the admin UI, on every store: a tenant's SCIM users with a
 * SCIM filter, sort and cursor pages; one user with its groups and account; a tenant's health.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, group, user } from '../../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from './admin-harness.js'

for (const { name, open } of STORES) {
  describe(`admin API reads for the UI [${name}]`, () => {
    let h: AdminHarness
    const ids: string[] = []

    before(async () => {
      h = await startAdmin(open)
      for (const n of ['carol', 'alice', 'erin', 'bob', 'dave']) {
        const res = await h.scim('POST', '/Users', user(`${n}@acme.example`, { displayName: n.toUpperCase(), emails: [{ value: `${n}@mail.example`, primary: true }] }))
        assert.equal(res.status, 201, res.text)
        ids.push(res.body.id)
      }
      await h.scim('PATCH', `/Users/${ids[3]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })
      await h.scim('POST', '/Groups', group('admins', { members: [{ value: ids[1] }] }))
    })
    after(() => h.close())

    test('SCIM users are paged by cursor, in creation order unless sorted', async () => {
      const { items, pages } = await walk(h, '/tenants/organization:acme/scim-users?limit=2')
      assert.equal(pages, 3)
      assert.deepEqual(items.map((u) => u.id), ids)
      const first = items[0]
      assert.deepEqual(Object.keys(first).sort(), ['active', 'created', 'displayName', 'email', 'externalId', 'id', 'lastModified', 'userName'])
      assert.equal(first.email, 'carol@mail.example')

      const sorted = await walk(h, '/tenants/organization:acme/scim-users?limit=2&sortBy=userName&sortOrder=descending')
      assert.deepEqual(sorted.items.map((u) => u.userName.split('@')[0]), ['erin', 'dave', 'carol', 'bob', 'alice'])
    })

    test('a SCIM filter selects users; a bad one is a 400 naming the position', async () => {
      const inactive = await h.admin('GET', `/tenants/organization:acme/scim-users?filter=${encodeURIComponent('active eq false')}`)
      assert.deepEqual(inactive.body.items.map((u: { userName: string }) => u.userName), ['bob@acme.example'])
      const byEmail = await h.admin('GET', `/tenants/organization:acme/scim-users?filter=${encodeURIComponent('emails.value sw "ERIN"')}`)
      assert.deepEqual(byEmail.body.items.map((u: { userName: string }) => u.userName), ['erin@acme.example'])

      const bad = await h.admin('GET', `/tenants/organization:acme/scim-users?filter=${encodeURIComponent('userName eq "a" and nosuch eq 1')}`)
      assert.equal(bad.status, 400)
      assert.equal(bad.body.type, 'urn:roster:problem:invalid-filter')
      assert.match(bad.body.detail, /unknown attribute 'nosuch'.* at position 20/)
      const syntax = await h.admin('GET', `/tenants/organization:acme/scim-users?filter=${encodeURIComponent('userName eq')}`)
      assert.equal(syntax.status, 400)
      assert.equal(syntax.body.type, 'urn:roster:problem:invalid-filter')
      const sort = await h.admin('GET', '/tenants/organization:acme/scim-users?sortBy=password')
      assert.equal(sort.status, 400)
      const cursor = await h.admin('GET', '/tenants/organization:acme/scim-users?cursor=made-up')
      assert.equal(cursor.status, 400)
      assert.equal(cursor.body.type, 'urn:roster:problem:invalid-cursor')
    })

    test('one SCIM user: its document without the password, its groups and its account', async () => {
      const res = await h.admin('GET', `/tenants/organization:acme/scim-users/${ids[1]}`)
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.resource.userName, 'alice@acme.example')
      assert.equal(res.body.resource.password, undefined)
      assert.deepEqual(res.body.groups.map((g: { display: string }) => g.display), ['admins'])
      // An organization invites its SCIM users: no account until the invitation is accepted.
      assert.equal(res.body.account, null)
      assert.equal((await h.admin('GET', '/tenants/organization:acme/scim-users/nobody')).status, 404)
      // Another tenant's user is not this tenant's.
      const { scimToken } = await h.enterprise('globex')
      const other = (await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/globex/Users', user('zed@globex.example'))).body
      assert.equal((await h.admin('GET', `/tenants/organization:acme/scim-users/${other.id}`)).status, 404)
      // An enterprise's SCIM users get accounts at once.
      const zed = await h.admin('GET', `/tenants/enterprise:globex/scim-users/${other.id}`)
      assert.equal(zed.status, 200, zed.text)
      assert.equal(zed.body.account.scimUserId, other.id)
      assert.equal(zed.body.account.scimManaged, true)
      assert.deepEqual(zed.body.teams, [])

      // Its teams: one by hand, one through a linked group; by name.
      const eng = (await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/globex/Groups', group('eng', { members: [{ value: other.id }] }))).body
      const platform = (await h.admin('POST', '/tenants/enterprise:globex/teams', { name: 'Platform' })).body
      const ops = (await h.admin('POST', '/tenants/enterprise:globex/teams', { name: 'ops' })).body
      assert.equal((await h.admin('POST', `/tenants/enterprise:globex/teams/${platform.id}/link`, { groupId: eng.id })).status, 200)
      assert.equal((await h.admin('PUT', `/tenants/enterprise:globex/teams/${ops.id}/members/${zed.body.account.id}`)).status < 300, true)
      await h.admin('POST', '/tenants/enterprise:globex/teams', { name: 'unrelated' })
      const withTeams = (await h.admin('GET', `/tenants/enterprise:globex/scim-users/${other.id}`)).body
      assert.deepEqual(withTeams.teams.map((t: { name: string; source: string }) => [t.name, t.source]), [['ops', 'manual'], ['Platform', 'group']])
      // Suspended, the account keeps the teams it was put in by hand only.
      assert.equal((await h.admin('POST', `/tenants/enterprise:globex/accounts/${zed.body.account.id}/suspend`)).status, 403, 'require-SCIM: only the IdP may')
      await h.scimAs(scimToken, 'PATCH', `/scim/v2/enterprises/globex/Users/${other.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })
      const suspended = (await h.admin('GET', `/tenants/enterprise:globex/scim-users/${other.id}`)).body
      assert.equal(suspended.account.state, 'suspended')
      assert.deepEqual(suspended.teams.map((t: { name: string }) => t.name), ['ops'])
      const listed = await walk(h, '/tenants/organization:acme/scim-users')
      assert.ok(!listed.items.some((u) => u.id === other.id))
    })

    test("a tenant's health: last call, last success, errors of the last 24 hours, the detected IdP", async () => {
      const quiet = await h.admin('POST', '/tenants', { kind: 'organization', slug: 'quiet' })
      assert.equal(quiet.status, 201)
      assert.deepEqual((await h.admin('GET', '/tenants/organization:quiet/health')).body, {
        lastCallAt: null,
        lastSuccessAt: null,
        errorsLast24h: 0,
        errorsCapped: false,
        client: null,
      })
      await h.scim('POST', '/Users', user('carol@acme.example'), { 'user-agent': 'Okta SCIM Client 1.0.0' })
      await h.scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }, { 'user-agent': 'Okta SCIM Client 1.0.0' })
      await h.store.sequenceEvents()
      const health = (await h.admin('GET', '/tenants/organization:acme/health')).body
      assert.equal(health.errorsLast24h, 2)
      assert.equal(health.errorsCapped, false)
      assert.equal(health.client, 'okta')
      assert.ok(health.lastSuccessAt < health.lastCallAt)
    })
  })
}
