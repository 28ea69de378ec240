import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { Writable } from 'node:stream'
import { buildApp } from '../../src/http/app.js'
import { configFromEnv } from '../../src/http/config.js'
import { issueAdminToken } from '../../src/provisioning/admin-tokens.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import { startHarness, STORES, user, type Harness } from '../helpers/harness.js'
import { find, parseMetrics, total } from './prometheus.js'

const USERS_ROUTE = '/scim/v2/organizations/:slug/Users'
const USER_ROUTE = '/scim/v2/organizations/:slug/Users/:id'

for (const { name, open } of STORES) {
  describe(`metrics [${name}]`, () => {
    let h: Harness
    let admin = ''

    before(async () => {
      h = await startHarness(open)
      admin = (await issueAdminToken(h.store)).token
    })
    after(() => h.close())

    const scrape = async () => {
      const res = await h.raw({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } })
      assert.equal(res.status, 200, res.text)
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
      return { text: res.text, samples: parseMetrics(res.text) }
    }

    test('requests are counted by tenant kind, route pattern, method and status, with latency histograms', async () => {
      const ids: string[] = []
      for (const n of [1, 2, 3]) {
        const res = await h.scim('POST', '/Users', user(`metrics-${n}@example.com`))
        assert.equal(res.status, 201)
        ids.push(res.body.id)
      }
      for (const id of ids) assert.equal((await h.scim('GET', `/Users/${id}`)).status, 200)
      assert.equal((await h.scim('GET', '/Users/2819c223-7f76-453a-919d-413861904646')).status, 404)
      assert.equal((await h.scim('GET', '/Users', undefined, { authorization: 'Bearer nope' })).status, 401)

      const { text, samples } = await scrape()
      const org = { tenant_kind: 'organization' }
      assert.equal(total(samples, 'roster_http_requests_total', { ...org, route: USERS_ROUTE, method: 'POST', status: '201' }), 3)
      assert.equal(total(samples, 'roster_http_requests_total', { ...org, route: USER_ROUTE, method: 'GET', status: '200' }), 3)
      assert.equal(total(samples, 'roster_http_requests_total', { ...org, route: USER_ROUTE, method: 'GET', status: '404' }), 1)
      // Refused before its tenant was established: no tenant kind, but the route is still the pattern.
      assert.equal(total(samples, 'roster_http_requests_total', { tenant_kind: 'none', route: USERS_ROUTE, status: '401' }), 1)
      // Ids and slugs never become label values.
      for (const id of ids) assert.equal(text.includes(id), false)
      assert.equal(text.includes('organizations/acme'), false)

      // Histograms: cumulative buckets ending in +Inf, which equals the count.
      const labels = { ...org, route: USER_ROUTE, method: 'GET' }
      const buckets = find(samples, 'roster_http_request_duration_seconds_bucket', labels)
      assert.ok(buckets.length >= 10, 'a latency histogram has its buckets')
      const values = buckets.map((b) => b.value)
      assert.deepEqual(values, [...values].sort((a, b) => a - b), 'buckets are cumulative')
      assert.equal(find(samples, 'roster_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })[0]?.value, 4)
      assert.equal(total(samples, 'roster_http_request_duration_seconds_count', labels), 4)
      assert.ok(total(samples, 'roster_http_request_duration_seconds_sum', labels) > 0)
    })

    test('database calls are timed by operation; the outbox and (PostgreSQL) the pool are gauges', async () => {
      const before = parseMetrics((await scrape()).text)
      const created = await h.scim('POST', '/Users', user('db-metrics@example.com'))
      assert.equal(created.status, 201)
      assert.equal((await h.scim('GET', `/Users/${created.body.id}`)).status, 200)
      assert.equal((await h.scim('GET', '/Users?filter=userName%20eq%20%22db-metrics@example.com%22')).status, 200)
      const { samples } = await scrape()
      const count = (s: typeof samples, operation: string) =>
        total(s, 'roster_database_operation_duration_seconds_count', { operation, outcome: 'ok' })
      assert.equal(count(samples, 'get') - count(before, 'get'), 1)
      assert.equal(count(samples, 'list') - count(before, 'list'), 1)
      assert.ok(count(samples, 'insert') + count(samples, 'transaction') > count(before, 'insert') + count(before, 'transaction'))

      assert.equal(find(samples, 'roster_outbox_messages', { state: 'pending' }).length, 1)
      assert.equal(find(samples, 'roster_outbox_messages', { state: 'failed' }).length, 1)
      const pool = find(samples, 'roster_database_pool_connections')
      if (name === 'postgres') {
        assert.deepEqual(pool.map((s) => s.labels.state).sort(), ['idle', 'total', 'waiting'])
        assert.ok(total(samples, 'roster_database_pool_connections', { state: 'total' }) >= 1)
      } else {
        assert.equal(pool.length, 0, 'SQLite has no pool')
      }
      // Node's own metrics come along.
      assert.ok(find(samples, 'process_cpu_user_seconds_total').length === 1)
    })

    test('other parts of Roster add metrics to the same registry', async () => {
      const counter = h.app.metrics.counter({ name: 'roster_test_things_total', help: 'things', labelNames: ['kind'] })
      // Asked for again by name, the same metric: callers need not share the object.
      assert.equal(h.app.metrics.counter({ name: 'roster_test_things_total', help: 'things', labelNames: ['kind'] }), counter)
      counter.inc({ kind: 'a' }, 2)
      assert.equal(total((await scrape()).samples, 'roster_test_things_total', { kind: 'a' }), 2)
    })

    test('GET /metrics needs an instance admin token', async () => {
      const get = (authorization?: string) =>
        h.raw({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })
      const none = await get()
      assert.equal(none.status, 401)
      assert.match(none.body.detail, /admin token is required/)
      assert.equal((await get(`Bearer ${h.token}`)).status, 401, 'a SCIM token is not an admin token')
      assert.equal((await get('Bearer roster_admin_' + 'x'.repeat(43))).status, 401)
      const scoped = (await issueAdminToken(h.store, { tenant: h.tenant })).token
      const refused = await get(`Bearer ${scoped}`)
      assert.equal(refused.status, 403)
      assert.match(refused.body.detail, /instance admin token/)
      assert.equal((await get(`Bearer ${admin}`)).status, 200)
    })
  })
}

describe('the metrics port', () => {
  test('serves GET /metrics without a token, and nothing else; the main port still wants one', async () => {
    const store = await STORES[0]!.open()
    await store.migrate()
    const lines: Record<string, unknown>[] = []
    const app = await buildApp({
      store,
      registry: defaultRegistry(),
      config: { ...configFromEnv({ ROSTER_METRICS_PORT: '0' }), port: 0 },
      logger: {
        level: 'info',
        stream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
            done()
          },
        }),
      },
    })
    try {
      const main = await app.listen({ port: 0, host: '127.0.0.1' })
      const metricsAddress = lines.find((l) => typeof l.metricsAddress === 'string')?.metricsAddress as string
      assert.ok(metricsAddress, 'the metrics port says where it listens')
      assert.notEqual(metricsAddress, main)
      assert.equal((await fetch(`${main}/healthz`)).status, 200)
      const res = await fetch(`${metricsAddress}/metrics`)
      assert.equal(res.status, 200)
      const samples = parseMetrics(await res.text())
      assert.equal(total(samples, 'roster_http_requests_total', { route: '/healthz', status: '200' }), 1)
      const other = await fetch(`${metricsAddress}/healthz`)
      assert.equal(other.status, 404)
      assert.match(await other.text(), /only GET \/metrics/)
      assert.equal((await fetch(`${main}/metrics`)).status, 401)
    } finally {
      await app.close()
      await store.close()
    }
  })
  test('a metrics port that cannot be had stops the start, naming the setting', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as AddressInfo).port
    const store = await STORES[0]!.open()
    try {
      const app = await buildApp({
        store,
        registry: defaultRegistry(),
        config: { ...configFromEnv({ ROSTER_METRICS_PORT: String(port), ROSTER_METRICS_HOST: '127.0.0.1' }) },
      })
      await assert.rejects(async () => app.ready(), /cannot serve metrics on 127\.0\.0\.1:\d+ \(ROSTER_METRICS_PORT\): the port is in use/)
      await app.close()
    } finally {
      taken.close()
      await store.close()
    }
  })
})
