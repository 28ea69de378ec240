/**
 * What deactivation and group writes cost, counted in statements (the stores' `observe`
 * option): the same statements whatever the number of linked teams and sessions, because a
 * linked team's members are read from its group and suspension revokes credentials with one
 * account write. Counting statements, not timing them, keeps the test exact on any machine.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueCredential, listCredentials, revokeCredential, verifyCredential } from '../../src/provisioning/accounts/credentials.js'
import type { Store } from '../../src/store/contract.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Statement } from '../../src/store/sql/statement.js'
import { startHarness, type Harness } from '../helpers/harness.js'
import { testPostgres } from '../helpers/test-postgres.js'
import { entraDeactivate, entraReactivate, entraUser, PATCH_OP, tenantClient, type TenantClient } from './tenant-client.js'

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const postgres = await testPostgres()

/** Each store opened with an observer that the test switches on around the write it measures. */
const OBSERVED: { name: string; open: (observe: (s: Statement) => void) => Promise<Store> }[] = [
  { name: 'sqlite', open: async (observe) => SqliteStore.open(':memory:', { observe }) },
  ...(postgres.available ? [{ name: 'postgres', open: (observe: (s: Statement) => void) => postgres.postgres.openStore({ observe }) }] : []),
]

for (const { name, open } of OBSERVED) {
  describe(`statements of deactivation and group writes, whatever the teams and sessions [${name}]`, () => {
    let h: Harness
    let e: TenantClient
    let recording: Statement[] | undefined
    let n = 0

    /**
     * The SQL of every statement `write` runs, in order, but for reads of the tenant and its
     * tokens: the endpoint refreshes those on a clock (a trusted tenant record expires after
     * two seconds), so they may fall inside one measured write and not another.
     */
    const statementsOf = async (write: () => Promise<{ status: number; text: string }>): Promise<string[]> => {
      recording = []
      const res = await write()
      const seen = recording
      recording = undefined
      assert.ok(res.status < 300, res.text)
      return seen.map((s) => s.sql).filter((sql) => !/\bFROM (tenants|tokens)\b/.test(sql))
    }
    const newUser = async () => {
      const res = await e.scim('POST', '/Users', entraUser(`s${++n}@contoso.com`))
      assert.equal(res.status, 201, res.text)
      return res.body.id as string
    }
    const newGroup = async (members: string[]) => {
      const res = await e.scim('POST', '/Groups', { schemas: [GROUP], displayName: `sg${++n}`, members: members.map((value) => ({ value })) })
      assert.equal(res.status, 201, res.text)
      return res.body.id as string
    }
    const linkTeams = async (groupId: string, count: number) => {
      const ids: string[] = []
      for (let i = 0; i < count; i++) {
        const team = await e.teams.create({ name: `t${++n}` })
        await e.teams.link(team.id, groupId)
        ids.push(team.id)
      }
      return ids
    }
    const sessions = async (userId: string, count: number) => {
      const account = (await e.accountOf(userId))!
      const secrets: string[] = []
      for (let i = 0; i < count; i++) secrets.push((await issueCredential(e.store, account.id, i % 2 ? 'token' : 'session')).secret)
      return { accountId: account.id, secrets }
    }
    const memberIds = async (teamId: string) => (await e.teams.members(teamId, { limit: 500 })).items.map((m) => m.accountId)

    before(async () => {
      h = await startHarness(() => open((s) => recording?.push(s)))
      e = await tenantClient(h, 'enterprise', 'costs', { shortCode: 'cost' })
    })
    after(() => h.close())

    test('deactivating a user in 50 linked teams with 100 sessions runs the statements of one in 1 team with 1 session', async () => {
      const small = await newUser()
      const large = await newUser()
      const smallTeams = await linkTeams(await newGroup([small]), 1)
      // 50 teams: 10 groups, each backing 5.
      const largeTeams: string[] = []
      for (let g = 0; g < 10; g++) largeTeams.push(...(await linkTeams(await newGroup([large]), 5)))
      const { accountId: smallAccount } = await sessions(small, 1)
      const { accountId: largeAccount, secrets } = await sessions(large, 100)
      await e.scim('GET', `/Users/${small}`) // the tenant is fresh for both writes below

      const one = await statementsOf(() => e.scim('PATCH', `/Users/${small}`, entraDeactivate))
      const many = await statementsOf(() => e.scim('PATCH', `/Users/${large}`, entraDeactivate))
      assert.deepEqual(many, one)
      // The write, the account, the revocation, history, the provisioning log entry and its events
      // (one append: SQLite binds each event in a statement of its own, so those count once).
      const budget = one.filter((sql, i) => !(sql.startsWith('INSERT INTO events ') && one[i - 1]?.startsWith('INSERT INTO events ')))
      assert.ok(budget.length <= 12, `${budget.length} statements:\n${one.join('\n')}`)

      for (const team of [...smallTeams, ...largeTeams]) assert.deepEqual(await memberIds(team), [])
      const revoked = await listCredentials(e.store, largeAccount)
      assert.equal(revoked.length, 100)
      assert.ok(revoked.every((c) => c.revokedAt !== null), 'every session and token revoked')
      const { history } = await e.accounts.get(largeAccount)
      assert.deepEqual(history.at(-1)?.detail, { login: `s${2}_cost`, by: 'scim', revokedCredentials: 100, leftTeams: 50 })

      const back = await statementsOf(() => e.scim('PATCH', `/Users/${small}`, entraReactivate))
      const backMany = await statementsOf(() => e.scim('PATCH', `/Users/${large}`, entraReactivate))
      assert.deepEqual(backMany, back)
      for (const team of largeTeams) assert.deepEqual(await memberIds(team), [largeAccount])
      assert.deepEqual(await memberIds(smallTeams[0]!), [smallAccount])
      assert.ok((await listCredentials(e.store, largeAccount)).every((c) => c.revokedAt !== null), 'reactivation brings none back')
      // Revoked by the account's one write: not usable, not revocable again; a new one is live.
      for (const secret of [secrets[0]!, secrets[99]!]) await assert.rejects(verifyCredential(e.store, secret), { status: 401 })
      const old = await listCredentials(e.store, largeAccount, 'session')
      await assert.rejects(revokeCredential(e.store, largeAccount, old[0]!.id), { status: 409 })
      const fresh = await issueCredential(e.store, largeAccount, 'session')
      assert.equal((await verifyCredential(e.store, fresh.secret)).account.id, largeAccount)
      assert.equal((await listCredentials(e.store, largeAccount)).filter((c) => c.revokedAt === null).length, 1)
    })

    test('a PATCH of +100 members on a group linked to 3 teams runs the statements of one on an unlinked group', async () => {
      const unlinked = await newGroup([])
      const linked = await newGroup([])
      const teams = await linkTeams(linked, 3)
      const add = async (groupId: string) => {
        const users: string[] = []
        for (let i = 0; i < 100; i++) users.push(await newUser())
        const body = { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: users.map((value) => ({ value })) }] }
        await e.scim('GET', `/Groups/${groupId}`)
        return statementsOf(() => e.scim('PATCH', `/Groups/${groupId}`, body))
      }
      const plain = await add(unlinked)
      const withTeams = await add(linked)
      assert.deepEqual(withTeams, plain)
      assert.ok(!withTeams.some((sql) => /\bteam/.test(sql)), 'no statement reads or writes a team')
      for (const team of teams) assert.equal((await e.teams.get(team)).memberCount, 100)
    })
  })
}
