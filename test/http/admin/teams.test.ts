import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { group, patch, STORES, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const t = '/tenants/organization:acme'

for (const { name, open } of STORES) {
  describe(`admin API: teams [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    test('create, nest, rename, refuse a loop, delete', async () => {
      const eng = await h.admin('POST', `${t}/teams`, { name: 'eng', description: 'Engineering' })
      assert.equal(eng.status, 201, eng.text)
      assert.equal(eng.body.groupId, null)
      assert.equal(eng.body.reconcileReport, null)
      const backend = await h.admin('POST', `${t}/teams`, { name: 'backend', parentId: eng.body.id })
      assert.equal(backend.body.parentId, eng.body.id)
      const renamed = await h.admin('PATCH', `${t}/teams/${backend.body.id}`, { name: 'api' })
      assert.equal(renamed.body.name, 'api')
      const loop = await h.admin('PATCH', `${t}/teams/${eng.body.id}`, { parentId: backend.body.id })
      assert.equal(loop.status, 400)
      assert.match(loop.body.detail, /loop/)
      const read = (await h.admin('GET', `${t}/teams/${eng.body.id}`)).body
      assert.equal(read.memberCount, 0)
      assert.equal(read.description, 'Engineering')
      assert.equal((await h.admin('GET', `${t}/teams`)).body.items.length, 2)
      assert.equal((await h.admin('DELETE', `${t}/teams/${backend.body.id}`)).status, 204)
      assert.equal((await h.admin('GET', `${t}/teams/${backend.body.id}`)).status, 404)
      assert.equal((await h.admin('DELETE', `${t}/teams/${backend.body.id}`)).status, 404)
    })

    test('members by hand: add (idempotent), list, remove', async () => {
      const team = (await h.admin('POST', `${t}/teams`, { name: 'design' })).body
      const kim = (await h.admin('POST', `${t}/accounts`, { login: 'kim' })).body
      const path = `${t}/teams/${team.id}/members/${kim.id}`
      assert.equal((await h.admin('PUT', path)).status, 204)
      assert.equal((await h.admin('PUT', path)).status, 204)
      const members = (await h.admin('GET', `${t}/teams/${team.id}/members`)).body.items
      assert.deepEqual(members.map((m: { login: string; source: string }) => [m.login, m.source]), [['kim', 'manual']])
      assert.equal((await h.admin('GET', `${t}/teams/${team.id}`)).body.memberCount, 1)
      assert.equal((await h.admin('GET', `${t}/teams/${team.id}/members?source=group`)).body.items.length, 0)
      assert.equal((await h.admin('DELETE', path)).status, 204)
      assert.equal((await h.admin('DELETE', path)).status, 404)
      const unknown = await h.admin('PUT', `${t}/teams/${team.id}/members/00000000-0000-4000-8000-000000000000`)
      assert.equal(unknown.status, 400)
      assert.match(unknown.body.detail, /no account/)
    })

    test("a team linked to a SCIM group has the group's active members, and reconciles with it", async () => {
      const { scimToken } = await h.enterprise('globex')
      const g = '/tenants/enterprise:globex'
      const scim = (method: 'POST' | 'PATCH', path: string, body: unknown) =>
        h.scimAs(scimToken, method, `/scim/v2/enterprises/globex${path}`, body)
      const u1 = (await scim('POST', '/Users', user('mia@globex.example'))).body
      const u2 = (await scim('POST', '/Users', user('noah@globex.example'))).body
      const ops = (await scim('POST', '/Groups', group('ops', { members: [{ value: u1.id }, { value: u2.id }] }))).body

      const team = (await h.admin('POST', `${g}/teams`, { name: 'ops' })).body
      const local = (await h.admin('POST', `${g}/accounts`, { login: 'local' })).body
      await h.admin('PUT', `${g}/teams/${team.id}/members/${local.id}`)
      const refused = await h.admin('POST', `${g}/teams/${team.id}/link`, { groupId: ops.id })
      assert.equal(refused.status, 409)
      assert.match(refused.body.detail, /replace/)
      const noGroup = await h.admin('POST', `${g}/teams/${team.id}/link`, { groupId: 'no-such-group', replace: true })
      assert.equal(noGroup.status, 400)

      const linked = await h.admin('POST', `${g}/teams/${team.id}/link`, { groupId: ops.id, replace: true })
      assert.equal(linked.status, 200, linked.text)
      assert.equal(linked.body.groupId, ops.id)
      assert.equal(linked.body.memberCount, 2)
      assert.equal(linked.body.reconcileReport.added, 2)
      assert.ok(linked.body.reconciledAt)
      const members = (await h.admin('GET', `${g}/teams/${team.id}/members?source=group`)).body.items
      assert.deepEqual(members.map((m: { login: string }) => m.login).sort(), ['mia_globex', 'noah_globex'])
      assert.equal((await h.admin('GET', `${g}/teams?groupId=${ops.id}`)).body.items.length, 1)

      const byHand = await h.admin('PUT', `${g}/teams/${team.id}/members/${local.id}`)
      assert.equal(byHand.status, 403, 'a linked team takes its members from the group only')
      await scim('PATCH', `/Groups/${ops.id}`, patch({ op: 'remove', path: `members[value eq "${u2.id}"]` }))
      assert.equal((await h.admin('GET', `${g}/teams/${team.id}`)).body.memberCount, 1)
      const report = await h.admin('POST', `${g}/teams/${team.id}/reconcile`)
      assert.equal(report.status, 200)
      assert.deepEqual([report.body.added, report.body.removed], [0, 0], 'SCIM writes kept the team in step')

      const unlinked = await h.admin('POST', `${g}/teams/${team.id}/unlink`)
      assert.equal(unlinked.body.groupId, null)
      assert.equal(unlinked.body.memberCount, 0)
      assert.equal((await h.admin('POST', `${g}/teams/${team.id}/unlink`)).status, 409)
    })
  })
}
