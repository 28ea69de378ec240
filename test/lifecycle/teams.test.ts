/**
 * Teams linked to SCIM groups: membership follows every group write and every suspension and
 * reactivation, in the same transaction (it is read from the group); linking and unlinking
 * rules; reconciliation of stored rows.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { randomUUID } from 'node:crypto'
import { RECONCILE_BATCH } from '../../src/provisioning/teams/teams.js'
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

    test('a group’s active members are counted in bounded steps: suspended users and nested groups are examined, not counted', async () => {
      const users = [await newUser(), await newUser(), await newUser(), await newUser(), await newUser()]
      const nested = await newGroup([users[0]!])
      const g = await newGroup([...users, nested])
      for (const id of [users[1]!, users[3]!]) assert.equal((await e.scim('PATCH', `/Users/${id}`, entraDeactivate)).status, 200)
      const steps: { count: number; next: number | undefined }[] = []
      let total = 0
      for (let after: number | undefined = 0; after !== undefined; ) {
        const step = await e.store.activeMemberCount(g, after, 2)
        steps.push(step)
        total += step.count
        after = step.next
      }
      // Six members in the order they joined, two examined a step (u0 u1, u2 u3, u4 nested), then
      // an empty step says there are no more.
      assert.deepEqual(steps.map((s) => s.count), [1, 1, 1, 0])
      assert.equal(steps.at(-1)!.next, undefined)
      assert.equal(total, 3)
      assert.equal(total, await e.store.transaction((tx) => tx.teams.groupMemberCount(g)), 'the same as the one-statement count')
      assert.deepEqual(await e.store.activeMemberCount('no-such-group', 0, 2), { count: 0, next: undefined })
      const team = await e.teams.create({ name: `counted-${n}` })
      assert.equal((await e.teams.link(team.id, g)).reconcileReport?.added, 3)
      assert.equal((await e.teams.get(team.id)).memberCount, 3)
      assert.equal((await e.teams.unlink(team.id)).reconcileReport?.removed, 3)
    })

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

    test('reconciliation removes stored rows that should not exist, in batches; idempotent; the report says so', async () => {
      const [a, b] = [await newUser(), await newUser()]
      const g = await newGroup([a!, b!])
      const team = await e.teams.create({ name: 'Drifting' })
      await e.teams.link(team.id, g)
      const manual = await e.teams.create({ name: 'By hand' })
      const kept = await e.accounts.create({ login: `kept${++n}` })
      const gone = await e.accounts.create({ login: `gone${++n}` })
      await e.teams.addMember(manual.id, kept.id)
      await e.teams.addMember(manual.id, gone.id)
      await e.accounts.delete(gone.id)
      // Drift, written behind the services' back: rows for a linked team (whose members are
      // computed), a group-given row and a deleted account's row in a team not linked.
      const stray = await e.accounts.create({ login: `stray${++n}` })
      const [accountA] = await accountIds([a!])
      await e.store.transaction(async (tx) => {
        await tx.teams.addMember(team.id, stray.id, 'group', new Date().toISOString())
        await tx.teams.addMember(team.id, accountA!, 'manual', new Date().toISOString())
        await tx.teams.addMember(manual.id, stray.id, 'group', new Date().toISOString())
        await tx.teams.addMember(manual.id, gone.id, 'manual', new Date().toISOString())
      })
      // The stray rows never show: a linked team's members are its group's.
      assert.deepEqual(await logins(team.id), await accountIds([a!, b!]))
      assert.equal((await e.teams.get(team.id)).memberCount, 2)

      const report = await e.teams.reconcile(team.id)
      assert.deepEqual([report.added, report.removed, report.batches], [0, 2, 1])
      assert.deepEqual((await e.teams.get(team.id)).reconcileReport, report)
      assert.equal(await e.store.transaction((tx) => tx.teams.memberCount(team.id)), 0, 'no rows stored for a linked team')
      assert.deepEqual(await logins(team.id), await accountIds([a!, b!]))

      const other = await e.teams.reconcile(manual.id)
      assert.equal(other.removed, 2)
      assert.deepEqual(await logins(manual.id), [kept.id])
      for (const id of [team.id, manual.id]) {
        const again = await e.teams.reconcile(id)
        assert.equal(again.added + again.removed, 0)
      }
    })

    test('reconciliation walks a team in batches of RECONCILE_BATCH rows', async () => {
      const team = await e.teams.create({ name: 'Batched' })
      const g = await newGroup([])
      await e.teams.link(team.id, g)
      const count = RECONCILE_BATCH + 5
      await e.store.transaction(async (tx) => {
        const at = new Date().toISOString()
        for (let i = 0; i < count; i++) {
          const acct = await tx.accounts.insert({
            id: randomUUID(), tenantId: e.tenant.id, login: `batch${i}`, displayName: '', emails: [], roles: ['user'], state: 'active',
            scimManaged: false, scimUserId: null, setupOwner: false, createdAt: at, updatedAt: at, suspendedAt: null,
          })
          await tx.teams.addMember(team.id, acct.id, 'group', at)
        }
      })
      const report = await e.teams.reconcile(team.id)
      assert.equal(report.removed, count)
      assert.equal(report.batches, 2, 'a full batch, then the rest')
    })
  })
}
