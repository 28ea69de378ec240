/**
 * The connection test (POST /tenants/{t}/connection-test), on every store: Entra ID's and
 * Okta's calls run against the tenant's real SCIM handlers and pass, each step reported with
 * its request and status; and afterwards every table holds exactly the rows it held before —
 * no user, group, account, event, log entry, email or webhook delivery remains.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import type { Store } from '../../../src/store/contract.js'
import { STORES, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

/** Rows of every table of the store's schema, by table name. */
async function rowCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  if ('database' in store) {
    const db = (store as unknown as { database: import('better-sqlite3').Database }).database
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]
    for (const { name } of tables) counts[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n
  } else {
    const pool = (store as unknown as { pool: import('pg').Pool }).pool
    const { rows } = await pool.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    for (const { name } of rows) counts[name] = Number((await pool.query(`SELECT count(*) AS n FROM "${name}"`)).rows[0].n)
  }
  return counts
}

for (const { name, open } of STORES) {
  describe(`connection test [${name}]`, () => {
    let h: AdminHarness

    before(async () => {
      h = await startAdmin(open)
      // Data that must stay as it is, and a webhook that would be sent every event that committed.
      assert.equal((await h.scim('POST', '/Users', user('existing@acme.example'))).status, 201)
      const hook = await h.admin('POST', '/tenants/organization:acme/webhooks', { url: 'https://hooks.example/roster' })
      assert.equal(hook.status, 201, hook.text)
      await h.store.sequenceEvents()
    })
    after(() => h.close())

    for (const idp of ['entra', 'okta'] as const) {
      test(`${idp}: every call passes, and no row of any table remains`, async () => {
        const tables = await rowCounts(h.store)
        assert.ok(Object.keys(tables).length >= 10, 'every table is counted')
        for (const t of ['resources', 'accounts', 'events', 'provisioning_log', 'outbox']) assert.ok(t in tables, `table ${t} is counted`)
        const feed = await h.admin('GET', '/tenants/organization:acme/events?limit=500')

        const res = await h.admin('POST', '/tenants/organization:acme/connection-test', { idp })
        assert.equal(res.status, 200, res.text)
        const report = res.body
        assert.equal(report.idp, idp)
        assert.equal(report.rolledBack, true)
        assert.deepEqual(
          report.steps.filter((s: { outcome: string }) => s.outcome !== 'passed').map((s: { name: string; result: string }) => `${s.name}: ${s.result}`),
          [],
        )
        assert.equal(report.ok, true)
        assert.deepEqual(
          report.steps.map((s: { method: string; status: number }) => `${s.method} ${s.status}`),
          ['GET 200', 'GET 200', 'GET 200', 'POST 201', 'GET 200', 'PATCH 200', 'GET 200', 'POST 201', 'GET 200', 'PATCH 204', 'PATCH 204', 'DELETE 204', 'PATCH 200', 'DELETE 204'],
        )
        const create = report.steps[3]
        assert.equal(create.path, '/scim/v2/organizations/acme/Users')
        assert.match(create.requestBody.userName, /^roster-test-[0-9a-f]{8}@example\.invalid$/)
        if (idp === 'entra') {
          assert.equal(create.requestBody.active, 'True', "Entra's string boolean is what was sent")
          assert.deepEqual(report.steps[12].requestBody.Operations, [{ op: 'Replace', path: 'active', value: 'False' }])
        } else {
          assert.equal(create.requestBody.password, '********', 'the password sent is not shown')
          assert.equal(report.steps[5].requestBody.Operations[0].path, undefined, "Okta's replace has no path")
        }
        assert.match(report.steps[2].path, /^\/scim\/v2\/organizations\/acme\/Users\?filter=userName\+eq\+/)

        await h.store.sequenceEvents()
        assert.deepEqual(await rowCounts(h.store), tables, 'every table holds the rows it held before')
        assert.deepEqual((await h.admin('GET', '/tenants/organization:acme/events?limit=500')).body, feed.body)
        const users = await h.scim('GET', '/Users')
        assert.deepEqual(users.body.Resources.map((u: { userName: string }) => u.userName), ['existing@acme.example'])
      })
    }

    test('on an enterprise (accounts with logins, remove on deactivation) it passes and leaves nothing', async () => {
      await h.enterprise('globex')
      const settings = await h.admin('PATCH', '/tenants/enterprise:globex/settings', { deprovisionPolicy: 'remove' })
      assert.equal(settings.status, 200, settings.text)
      const tables = await rowCounts(h.store)
      for (const idp of ['entra', 'okta']) {
        const res = await h.admin('POST', '/tenants/enterprise:globex/connection-test', { idp })
        assert.equal(res.status, 200, res.text)
        assert.equal(res.body.ok, true, JSON.stringify(res.body.steps.filter((s: { outcome: string }) => s.outcome !== 'passed')))
        assert.equal(res.body.steps[3].path, '/scim/v2/enterprises/globex/Users')
      }
      await h.store.sequenceEvents()
      assert.deepEqual(await rowCounts(h.store), tables)
    })

    test("writes made while a test runs, in its tenant and another, go through and are kept; the test's are not", async () => {
      const other = await h.enterprise('hooli')
      const [report, same, elsewhere] = await Promise.all([
        h.admin('POST', '/tenants/organization:acme/connection-test', { idp: 'okta' }),
        h.scim('POST', '/Users', user('during@acme.example')),
        h.scimAs(other.scimToken, 'POST', '/scim/v2/enterprises/hooli/Users', user('during@hooli.example')),
      ])
      assert.equal(report.status, 200, report.text)
      assert.equal(report.body.ok, true)
      assert.equal(same.status, 201, same.text)
      assert.equal(elsewhere.status, 201, elsewhere.text)
      const users = await h.scim('GET', '/Users?sortBy=userName')
      assert.deepEqual(users.body.Resources.map((u: { userName: string }) => u.userName), ['during@acme.example', 'existing@acme.example'])
    })

    test('with SCIM disabled, the first step fails saying so and the rest are not run', async () => {
      await h.enterprise('initech')
      assert.equal((await h.admin('POST', '/tenants/enterprise:initech/scim/disable', {})).status, 200)
      const tables = await rowCounts(h.store)
      const res = await h.admin('POST', '/tenants/enterprise:initech/connection-test', { idp: 'okta' })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.body.ok, false)
      const [first, ...rest] = res.body.steps
      assert.equal(first.outcome, 'failed')
      assert.equal(first.status, 403)
      assert.equal(first.error.status, 403)
      assert.match(first.error.detail, /SCIM provisioning is disabled for this tenant/)
      assert.ok(rest.every((s: { outcome: string; status: unknown }) => s.outcome === 'skipped' && s.status === null))
      assert.deepEqual(await rowCounts(h.store), tables)
    })

    test('an unknown IdP is a 400 naming the field; a tenant token reaches only its tenant', async () => {
      const bad = await h.admin('POST', '/tenants/organization:acme/connection-test', { idp: 'google' })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.type, 'urn:roster:problem:validation')
      assert.match(bad.body.detail, /\/body\/idp/)
      const missing = await h.admin('POST', '/tenants/organization:acme/connection-test', {})
      assert.equal(missing.status, 400)

      const { tenant } = await h.enterprise('umbrella')
      const { token } = await issueAdminToken(h.store, { tenant })
      const own = await h.admin('POST', '/tenants/enterprise:umbrella/connection-test', { idp: 'entra' }, token)
      assert.equal(own.status, 200, own.text)
      const other = await h.admin('POST', '/tenants/organization:acme/connection-test', { idp: 'entra' }, token)
      assert.equal(other.status, 404)
    })
  })
}
