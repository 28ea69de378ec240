/**
 * Teams linked to SCIM groups: membership follows every group write and every suspension and
 * reactivation, in the same transaction; linking and unlinking rules; reconciliation.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, startHarness, type Harness } from '../helpers/harness.js'
import { entraDeactivate, entraReactivate, entraUser, PATCH_OP, tenantClient, type TenantClient } from './tenant-client.js'

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'

for (const { name, open } of STORES) {
  describe(`teams driven by SCIM groups [${name}]`, () => {
    let h: Harness
    let e: TenantClient
    let n = 0
    const newUser = async (prefix = 'u') => {
      const res = await e.scim('POST', '/Users', entraUser(`${prefix}${++n}@contoso.com`))
      assert.equal(res.status, 201, res.text)
      return res.body.id as string
    }
    const newGroup = async (members: string[] = []) => {
      const res = await e.scim('POST', '/Groups', { schemas: [GROUP], displayName: `g${++n}`, members: members.map((value) => ({ value })) })
      assert.equal(res.status, 201, res.text)
      return res.body.id as string
    }
    const logins = async (teamId: string) => {
      const page = await e.teams.members(teamId, { limit: 500 })
      return page.items.map((m) => m.accountId).sort()
    }
    const accountIds = async (userIds: string[]) => (await Promise.all(userIds.map(async (id) => (await e.accountOf(id))!.id))).sort()

    before(async () => {
      h = await startHarness(open)
      e = await tenantClient(h, 'enterprise', 'teams-corp', { shortCode: 'tcorp' })
    })
    after(() => h.close())

    test('linking makes the team exactly the group’s active members; Entra PATCHes Add/Remove members follow', async () => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser()]
      const g = await newGroup([a!, b!])
      const team = await e.teams.create({ name: 'Engineering' })
      const linked = await e.teams.link(team.id, g)
      assert.equal(linked.groupId, g)
      assert.equal(linked.reconcileReport?.added, 2)
      assert.deepEqual(await logins(team.id), await accountIds([a!, b!]))

      const add = await e.scim('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: c }] }] })
      assert.equal(add.status, 204, add.text)
      assert.deepEqual(await logins(team.id), await accountIds([a!, b!, c!]))

      const remove = await e.scim('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: a }] }] })
      assert.equal(remove.status, 204, remove.text)
      assert.deepEqual(await logins(team.id), await accountIds([b!, c!]))

      const filtered = await e.scim('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${b}"]` }] })
      assert.equal(filtered.status, 204, filtered.text)
      assert.deepEqual(await logins(team.id), await accountIds([c!]))
    })

    test('a group backs many teams; PUT replaces members; removing all empties every linked team', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([a!])
      const t1 = await e.teams.create({ name: 'One' })
      const t2 = await e.teams.create({ name: 'Two' })
      await e.teams.link(t1.id, g)
      await e.teams.link(t2.id, g)
      const put = await e.scim('PUT', `/Groups/${g}`, { schemas: [GROUP], displayName: 'renamed', members: [{ value: b }] })
      assert.equal(put.status, 200, put.text)
      assert.deepEqual(await logins(t1.id), await accountIds([b!]))
      assert.deepEqual(await logins(t2.id), await accountIds([b!]))
      const clear = await e.scim('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] })
      assert.equal(clear.status, 204, clear.text)
      assert.deepEqual(await logins(t1.id), [])
      assert.deepEqual(await logins(t2.id), [])
    })

    test('deactivation leaves linked teams (still a group member); reactivation brings the memberships back', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([a!, b!])
      const team = await e.teams.create({ name: 'Suspenders' })
      await e.teams.link(team.id, g)
      await e.scim('PATCH', `/Users/${a}`, entraDeactivate)
      assert.deepEqual(await logins(team.id), await accountIds([b!]))
      const group = await e.scim('GET', `/Groups/${g}`)
      assert.ok(group.body.members.some((m: { value: string }) => m.value === a), 'still a member of the group')
      // A group write meanwhile does not bring a suspended account back.
      await e.scim('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: a }] }] })
      assert.deepEqual(await logins(team.id), await accountIds([b!]))
      await e.scim('PATCH', `/Users/${a}`, entraReactivate)
      assert.deepEqual(await logins(team.id), await accountIds([a!, b!]))
    })

    test('deleting the group unlinks its teams and removes the members it gave them; deleting a user removes it', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([a!, b!])
      const team = await e.teams.create({ name: 'Doomed' })
      await e.teams.link(team.id, g)
      assert.equal((await e.scim('DELETE', `/Users/${a}`)).status, 204)
      assert.deepEqual(await logins(team.id), await accountIds([b!]))
      assert.equal((await e.scim('DELETE', `/Groups/${g}`)).status, 204)
      const after = await e.teams.get(team.id)
      assert.equal(after.groupId, null)
      assert.equal(after.memberCount, 0)
    })

    test('manual changes to a linked team → 403 with why; linking needs manual members gone or replace; no nesting', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([a!])
      const team = await e.teams.create({ name: 'Manual' })
      const bAccount = (await e.accountOf(b!))!
      await e.teams.addMember(team.id, bAccount.id)
      await assert.rejects(e.teams.link(team.id, g), (err: { status: number; detail: string }) => {
        assert.equal(err.status, 409)
        assert.match(err.detail, /1 member\(s\) added by hand; remove them first, or link with replace/)
        return true
      })
      await e.teams.link(team.id, g, { replace: true })
      assert.deepEqual(await logins(team.id), await accountIds([a!]))
      await assert.rejects(e.teams.addMember(team.id, bAccount.id), (err: { status: number; detail: string }) => {
        assert.equal(err.status, 403)
        assert.match(err.detail, /linked to SCIM group .* change only when the IdP changes the group/)
        return true
      })
      const parent = await e.teams.create({ name: 'Parent' })
      await assert.rejects(e.teams.update(team.id, { parentId: parent.id }), { status: 409 })
      const child = await e.teams.create({ name: 'Child', parentId: parent.id })
      await assert.rejects(e.teams.link(parent.id, g), { status: 409 })
      await assert.rejects(e.teams.link(child.id, g), { status: 409 })
    })

    test('unlinking removes the members that were there only through the group', async () => {
      const a = await newUser()
      const g = await newGroup([a])
      const team = await e.teams.create({ name: 'Unlinked' })
      await e.teams.link(team.id, g)
      const unlinked = await e.teams.unlink(team.id)
      assert.equal(unlinked.groupId, null)
      assert.equal(unlinked.reconcileReport?.removed, 1)
      assert.deepEqual(await logins(team.id), [])
    })

    test('reconciliation repairs drift, is idempotent and says what it changed', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([a!, b!])
      const team = await e.teams.create({ name: 'Drifting' })
      await e.teams.link(team.id, g)
      const [accountA] = await accountIds([a!])
      // Drift: rows lost and rows that should not be there, written behind the lifecycle's back.
      const stray = await e.accounts.create({ login: `stray${++n}` })
      await e.store.transaction(async (tx) => {
        await tx.teams.removeMember(team.id, accountA!)
        await tx.teams.addMember(team.id, stray.id, 'group', new Date().toISOString())
      })
      const report = await e.teams.reconcile(team.id)
      assert.equal(report.added, 1)
      assert.equal(report.removed, 1)
      assert.deepEqual(await logins(team.id), await accountIds([a!, b!]))
      const again = await e.teams.reconcile(team.id)
      assert.equal(again.added + again.removed, 0)
    })
  })
}
