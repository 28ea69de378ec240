import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { group, STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'

interface Ev {
  seq: number
  type: string
  resourceType: string | null
  resourceId: string | null
  data: Record<string, any>
}

for (const { name, open } of STORES) {
  describe(`team events [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    test('every change of a team is an event: created, updated, members by hand, linked, reconciled, unlinked, deleted', async () => {
      const { scimToken } = await h.enterprise('stark')
      const g = '/tenants/enterprise:stark'
      const scim = (path: string, body: unknown) => h.scimAs(scimToken, 'POST', `/scim/v2/enterprises/stark${path}`, body)
      const u1 = (await scim('/Users', user('pepper@stark.example'))).body
      const ops = (await scim('/Groups', group('ops', { members: [{ value: u1.id }] }))).body
      await h.store.sequenceEvents()
      const start = (await h.admin('GET', `${g}/events?limit=1000`)).body.next as number

      const team = (await h.admin('POST', `${g}/teams`, { name: 'ops' })).body
      assert.equal((await h.admin('PATCH', `${g}/teams/${team.id}`, { description: 'Operations' })).status, 200)
      assert.equal((await h.admin('PATCH', `${g}/teams/${team.id}`, { description: 'Operations' })).status, 200)
      const local = (await h.admin('POST', `${g}/accounts`, { login: 'happy' })).body
      assert.equal((await h.admin('PUT', `${g}/teams/${team.id}/members/${local.id}`)).status, 204)
      assert.equal((await h.admin('PUT', `${g}/teams/${team.id}/members/${local.id}`)).status, 204)
      assert.equal((await h.admin('DELETE', `${g}/teams/${team.id}/members/${local.id}`)).status, 204)
      assert.equal((await h.admin('PUT', `${g}/teams/${team.id}/members/${local.id}`)).status, 204)
      assert.equal((await h.admin('POST', `${g}/teams/${team.id}/link`, { groupId: ops.id, replace: true })).status, 200)
      assert.equal((await h.admin('POST', `${g}/teams/${team.id}/unlink`)).status, 200)
      assert.equal((await h.admin('DELETE', `${g}/teams/${team.id}`)).status, 204)
      await h.store.sequenceEvents()

      const items = ((await h.admin('GET', `${g}/events?after=${start}&limit=1000`)).body.items as Ev[]).filter((e) => e.resourceType === 'Team')
      assert.ok(items.every((e) => e.resourceId === team.id))
      assert.deepEqual(
        items.map((e) => e.type),
        [
          'team.created',
          'team.updated',
          'team.members.added',
          'team.members.removed',
          'team.members.added',
          'team.members.removed',
          'team.linked',
          'team.members.added',
          'team.unlinked',
          'team.members.removed',
          'team.deleted',
        ],
        'an unchanged update and a repeated add are no events',
      )
      const [created, updated, added, , , replaced, linked, reconciled, unlinked, left, deleted] = items
      assert.equal(created!.data.state.name, 'ops')
      assert.deepEqual(updated!.data.changed, ['description'])
      assert.equal(updated!.data.state.description, 'Operations')
      assert.deepEqual(added!.data, { members: [local.id], source: 'manual' })
      assert.deepEqual(replaced!.data, { count: 1, source: 'manual' })
      assert.deepEqual(linked!.data, { groupId: ops.id })
      assert.deepEqual(reconciled!.data, { count: 1, source: 'group', groupId: ops.id })
      assert.deepEqual(unlinked!.data, { groupId: ops.id })
      assert.deepEqual(left!.data, { count: 1, source: 'group', groupId: ops.id })
      assert.equal(deleted!.data.state, null)
      assert.equal(deleted!.data.last.description, 'Operations')
    })
  })
}
