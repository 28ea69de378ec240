/**
 * `roster serve --workers 2`: the rate limit holds for the whole server (within 10% of its
 * budget), and one scrape, on either port, sees every worker's requests.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { openStore } from '../../src/store/open-store.js'
import { startServer, type ServerProcess } from '../helpers/server-process.js'
import { testPostgres } from '../helpers/test-postgres.js'
import { parseMetrics, total } from './prometheus.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-ops-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATABASES = [
  { name: 'sqlite file', create: async () => ({ url: `sqlite:${join(dir, 'roster.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

const RATE = 40
const BURST = 40
const LOAD_MS = 3000
const CLIENTS = 16
const USERS_ROUTE = '/scim/v2/organizations/:slug/Users'

for (const database of DATABASES) {
  describe(`--workers 2 share one budget and one scrape (${database.name})`, () => {
    let server: ServerProcess
    let token = ''
    let warmUpToken = ''
    let admin = ''
    let drop: () => Promise<void> = async () => undefined

    before(async () => {
      const created = await database.create()
      drop = created.drop
      const store = await openStore(created.url)
      try {
        await store.migrate()
        const tenant = await createTenant(store, 'organization', 'acme')
        token = (await issueToken(store, tenant)).token
        warmUpToken = (await issueToken(store, tenant)).token
        admin = (await issueAdminToken(store)).token
      } finally {
        await store.close()
      }
      server = await startServer(['--database', created.url, '--workers', '2'], {
        ROSTER_LOG_LEVEL: 'info',
        ROSTER_RATE_LIMIT_TOKEN: `${RATE}/s`,
        ROSTER_RATE_LIMIT_TOKEN_BURST: String(BURST),
        ROSTER_RATE_LIMIT_TENANT: 'off',
        ROSTER_METRICS_PORT: '0',
      })
    })

    after(async () => {
      await server?.stop()
      await drop()
    })

    test('the combined admitted rate stays within 10% of the budget, and the scrape counts both workers', async (t) => {
      const url = `${server.address}/scim/v2/organizations/acme/Users?count=1`
      // Each worker finds the tenant in the database once, and each connection opens once: done
      // with a token of its own (its own bucket), so the measured token's bucket starts full
      // when the clock starts, not when the slowest first request got through.
      const warmed = new Map<number, number>()
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          Array.from({ length: CLIENTS }, () =>
            fetch(url, { headers: { authorization: `Bearer ${warmUpToken}` } }).then(async (r) => {
              await r.arrayBuffer()
              warmed.set(r.status, (warmed.get(r.status) ?? 0) + 1)
            }),
          ),
        )
      }
      const statuses = new Map<number, number>()
      const started = performance.now()
      const deadline = started + LOAD_MS
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < deadline) {
            const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
            await res.arrayBuffer()
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          }
        }),
      )
      const seconds = (performance.now() - started) / 1000
      const admitted = statuses.get(200) ?? 0
      const refused = statuses.get(429) ?? 0
      assert.deepEqual([...statuses.keys()].sort(), [200, 429], 'only answers and refusals')
      const budget = BURST + RATE * seconds
      t.diagnostic(`admitted ${admitted}, refused ${refused} in ${seconds.toFixed(2)} s; the budget allows ${budget.toFixed(1)}`)
      assert.ok(Math.abs(admitted - budget) <= budget * 0.1, `admitted ${admitted} in ${seconds.toFixed(2)} s; the budget allows ${budget.toFixed(0)}`)

      // Both workers served (each request's log line names its process).
      const pids = new Set<number>()
      for (const line of server.stdout().split('\n')) {
        if (!line.startsWith('{')) continue
        const entry = JSON.parse(line) as { msg?: string; pid?: number; url?: string }
        if (entry.msg === 'request' && entry.url?.startsWith('/scim/') && entry.pid) pids.add(entry.pid)
      }
      assert.equal(pids.size, 2, 'requests reached both workers')

      // One scrape of the metrics port sees all of them, whichever worker answers it.
      const metricsAddress = /"metricsAddress":"([^"]+)"/.exec(server.stdout())?.[1]
      assert.ok(metricsAddress, 'the metrics port says where it listens')
      for (const scrape of [
        () => fetch(`${metricsAddress}/metrics`),
        () => fetch(`${server.address}/metrics`, { headers: { authorization: `Bearer ${admin}` } }),
      ]) {
        const res = await scrape()
        assert.equal(res.status, 200)
        const samples = parseMetrics(await res.text())
        const ok = admitted + (warmed.get(200) ?? 0)
        const tooMany = refused + (warmed.get(429) ?? 0)
        assert.equal(total(samples, 'roster_http_requests_total', { route: USERS_ROUTE, status: '200' }), ok)
        assert.equal(total(samples, 'roster_http_requests_total', { route: USERS_ROUTE, status: '429' }), tooMany)
        assert.equal(total(samples, 'roster_rate_limited_total', { budget: 'token' }), tooMany)
        assert.equal(total(samples, 'roster_http_request_duration_seconds_count', { route: USERS_ROUTE }), ok + tooMany)
      }
      const unauthorized = await fetch(`${server.address}/metrics`)
      assert.equal(unauthorized.status, 401)
    })
  })
}
