/**
 * Concurrent SCIM writes that touch the same account and team: two servers (as with
 * `--workers`) on one database race a deactivation against a group PATCH that adds the same
 * user to a linked team, and the reverse. Whichever commits first, the final state is
 * consistent: a team holds exactly the active accounts of its group's members.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/http/app.js'
import { configFromEnv } from '../../src/http/config.js'
import { Teams } from '../../src/provisioning/teams/teams.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type { Store, Tenant } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { testPostgres } from '../helpers/test-postgres.js'
import { entraDeactivate, entraReactivate, entraUser, PATCH_OP } from './tenant-client.js'

const postgres = await testPostgres()
const ROUNDS = 24

interface Shared {
  url: string
  cleanup: () => Promise<void>
}

const DATABASES: { name: string; make: () => Promise<Shared> }[] = [
  {
    name: 'sqlite',
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'roster-races-'))
      return { url: `sqlite:${join(dir, 'roster.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
    },
  },
  ...(postgres.available
    ? [{ name: 'postgres', make: async () => {
        const scratch = await postgres.postgres.scratchSchema()
        return { url: scratch.url, cleanup: scratch.drop }
      } }]
    : []),
]

for (const { name, make } of DATABASES) {
  describe(`deactivation racing a group PATCH on a linked team, two servers on one database [${name}]`, () => {
    let shared: Shared
    const stores: Store[] = []
    const apps: FastifyInstance[] = []
    let tenant: Tenant
    let token: string
    let teams: Teams
    let groupId: string
    let teamId: string

    const call = (app: FastifyInstance, method: 'POST' | 'PATCH' | 'GET', path: string, body?: unknown) =>
      app.inject({
        method,
        url: `/scim/v2/enterprises/race${path}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      })
    const addToGroup = (app: FastifyInstance, userId: string) =>
      call(app, 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] })
    const removeFromGroup = (app: FastifyInstance, userId: string) =>
      call(app, 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: userId }] }] })

    /** The team must hold exactly the active accounts whose users are in the group. */
    async function assertConsistent(): Promise<void> {
      const scoped = stores[0]!.forTenant(tenant)
      const expected = await scoped.transaction(async (tx) => {
        const members = await tx.members(groupId)
        const ids: string[] = []
        for (const m of members) {
          const account = await tx.accounts.byScimUser(m.value)
          if (account?.state === 'active') ids.push(account.id)
        }
        return ids.sort()
      })
      const actual = (await teams.members(teamId, { limit: 1000 })).items.map((m) => m.accountId).sort()
      assert.deepEqual(actual, expected)
      const report = await teams.reconcile(teamId)
      assert.equal(report.added + report.removed, 0, 'reconciliation finds no drift')
    }

    before(async () => {
      shared = await make()
      for (let i = 0; i < 2; i++) {
        const store = await openStore(shared.url)
        await store.migrate()
        stores.push(store)
        apps.push(await buildApp({ store, registry: defaultRegistry(), config: { ...configFromEnv({}), publicUrl: 'https://roster.test' } }))
      }
      tenant = await createTenant(stores[0]!, 'enterprise', 'race')
      token = (await issueToken(stores[0]!, tenant)).token
      teams = new Teams(stores[0]!.forTenant(tenant))
      const group = await call(apps[0]!, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'racers' })
      groupId = group.json().id
      teamId = (await teams.create({ name: 'Racers' })).id
      await teams.link(teamId, groupId)
    })
    after(async () => {
      for (const app of apps) await app.close()
      for (const store of stores) await store.close()
      await shared.cleanup()
    })

    test(`deactivate ∥ add to group, ${ROUNDS} users at once`, async () => {
      const users: string[] = []
      for (let i = 0; i < ROUNDS; i++) users.push((await call(apps[0]!, 'POST', '/Users', entraUser(`add${i}@race.example`))).json().id)
      const results = await Promise.all(
        users.flatMap((id, i) => [call(apps[i % 2]!, 'PATCH', `/Users/${id}`, entraDeactivate), addToGroup(apps[(i + 1) % 2]!, id)]),
      )
      for (const r of results) assert.ok(r.statusCode === 200 || r.statusCode === 204, r.body)
      await assertConsistent()
      assert.equal((await teams.members(teamId, { limit: 1000 })).items.length, 0, 'every one of them is suspended')
    })

    test(`reactivate ∥ remove from group, and reactivate ∥ add, ${ROUNDS} users at once`, async () => {
      const leaving: string[] = []
      const joining: string[] = []
      for (let i = 0; i < ROUNDS; i++) {
        const a = (await call(apps[0]!, 'POST', '/Users', entraUser(`leave${i}@race.example`))).json().id
        await addToGroup(apps[0]!, a)
        await call(apps[0]!, 'PATCH', `/Users/${a}`, entraDeactivate)
        leaving.push(a)
        const b = (await call(apps[0]!, 'POST', '/Users', entraUser(`join${i}@race.example`))).json().id
        await call(apps[0]!, 'PATCH', `/Users/${b}`, entraDeactivate)
        joining.push(b)
      }
      const results = await Promise.all([
        ...leaving.flatMap((id, i) => [call(apps[i % 2]!, 'PATCH', `/Users/${id}`, entraReactivate), removeFromGroup(apps[(i + 1) % 2]!, id)]),
        ...joining.flatMap((id, i) => [call(apps[(i + 1) % 2]!, 'PATCH', `/Users/${id}`, entraReactivate), addToGroup(apps[i % 2]!, id)]),
      ])
      for (const r of results) assert.ok(r.statusCode === 200 || r.statusCode === 204, r.body)
      await assertConsistent()
      assert.equal((await teams.members(teamId, { limit: 1000 })).items.length, ROUNDS, 'exactly the joiners')
    })
  })
}
