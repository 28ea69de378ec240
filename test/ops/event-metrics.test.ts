/**
 * Events and webhook deliveries in GET /metrics: events written by type family, deliveries by
 * kind and outcome, retries, dead letters and the delivery lag histogram. The counts are the
 * process's, so each test compares a scrape after its work with one before.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Log } from '../../src/provisioning/email/sender.js'
import type { WebhookConfig } from '../../src/provisioning/webhooks/config.js'
import { WebhookDeliverer } from '../../src/provisioning/webhooks/deliverer.js'
import { waitFor } from '../email/smtp-sink.js'
import { STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'
import { Receiver } from '../webhooks/receiver.js'
import { find, parseMetrics, total, type Sample } from './prometheus.js'

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }
const CONFIG: WebhookConfig = { pollMs: 10, timeoutMs: 5000, retryBaseMs: 5, maxAttempts: 2, maxAgeMs: 3_600_000, concurrency: 4 }

for (const { name, open } of STORES) {
  describe(`event and webhook metrics [${name}]`, () => {
    let h: AdminHarness
    let receiver: Receiver
    let deliverer: WebhookDeliverer
    let n = 0

    before(async () => {
      h = await startAdmin(open)
      receiver = await Receiver.start()
      deliverer = new WebhookDeliverer(h.store, CONFIG, quiet)
      deliverer.start()
    })
    after(async () => {
      await receiver.close()
      await deliverer.stop()
      await h.close()
    })

    const scrape = async (): Promise<Sample[]> => {
      const res = await h.raw({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.adminToken}` } })
      assert.equal(res.status, 200, res.text)
      return parseMetrics(res.text)
    }
    const tenant = async () => {
      const slug = `m${++n}`
      const { scimToken } = await h.enterprise(slug)
      const create = async (userName: string) => {
        const res = await h.scimAs(scimToken, 'POST', `/scim/v2/enterprises/${slug}/Users`, user(userName))
        assert.equal(res.status, 201, res.text)
      }
      return { key: `enterprise:${slug}`, create }
    }
    const endpoint = async (t: string, path: string) => {
      const res = await h.admin('POST', `/tenants/${t}/webhooks`, { url: receiver.url(path), eventTypes: ['user.created'] })
      assert.equal(res.status, 201, res.text)
      return res.body as { id: string }
    }

    test('events written are counted by type family', async () => {
      const t = await tenant()
      const before = await scrape()
      for (let i = 0; i < 3; i++) await t.create(`family-${i}@${t.key.split(':')[1]}.example`)
      const team = await h.admin('POST', `/tenants/${t.key}/teams`, { name: 'counted' })
      assert.equal(team.status, 201, team.text)
      const samples = await scrape()
      const delta = (family: string) => total(samples, 'roster_events_written_total', { family }) - total(before, 'roster_events_written_total', { family })
      // Each SCIM create: user.created and account.created (no email address: no welcome email).
      assert.equal(delta('user'), 3)
      assert.equal(delta('account'), 3)
      assert.equal(delta('team'), 1)
      assert.equal(delta('email'), 0)
    })

    test('deliveries by outcome, retries, dead letters and the lag of delivered events', async () => {
      const t = await tenant()
      receiver.on('/ok', { status: 204 })
      receiver.on('/down', { status: 500 })
      const ok = await endpoint(t.key, '/ok')
      const down = await endpoint(t.key, '/down')
      const before = await scrape()
      for (let i = 0; i < 4; i++) await t.create(`lag-${i}@example.com`)
      await h.store.sequenceEvents()
      deliverer.nudge()
      // Recorded deliveries, not requests received: an attempt is counted once its answer is in.
      const outcomes = async (id: string) =>
        ((await h.admin('GET', `/tenants/${t.key}/webhooks/${id}/deliveries?limit=50`)).body.items as { outcome: string }[]).map((d) => d.outcome)
      await waitFor('4 deliveries to /ok', async () => (await outcomes(ok.id)).length === 4)
      // maxAttempts 2: each of the 4 events fails once at /down, then is dead-lettered.
      await waitFor('4 dead letters at /down', async () => (await outcomes(down.id)).filter((o) => o === 'dead').length === 4)
      assert.deepEqual((await outcomes(ok.id)).sort(), ['delivered', 'delivered', 'delivered', 'delivered'])

      const samples = await scrape()
      const delta = (metric: string, labels: Record<string, string> = {}) => total(samples, metric, labels) - total(before, metric, labels)
      assert.equal(delta('roster_webhook_deliveries_total', { kind: 'event', outcome: 'delivered' }), 4)
      assert.equal(delta('roster_webhook_deliveries_total', { kind: 'event', outcome: 'failed' }), 4)
      assert.equal(delta('roster_webhook_deliveries_total', { kind: 'event', outcome: 'dead' }), 4)
      assert.equal(delta('roster_webhook_retries_total'), 4)
      assert.equal(delta('roster_webhook_dead_letters_total'), 4)
      // One lag per delivered event, none for failures; cumulative buckets ending at the count.
      assert.equal(delta('roster_webhook_delivery_lag_seconds_count'), 4)
      assert.ok(delta('roster_webhook_delivery_lag_seconds_sum') > 0)
      const inf = find(samples, 'roster_webhook_delivery_lag_seconds_bucket', { le: '+Inf' })[0]?.value
      assert.equal(inf, total(samples, 'roster_webhook_delivery_lag_seconds_count'))
    })

    test('a ping and a redelivery are counted by their kind', async () => {
      const t = await tenant()
      receiver.on('/manual', { status: 200 })
      const made = await endpoint(t.key, '/manual')
      await t.create('manual@example.com')
      await h.store.sequenceEvents()
      deliverer.nudge()
      const recorded = async () => ((await h.admin('GET', `/tenants/${t.key}/webhooks/${made.id}/deliveries`)).body.items as unknown[]).length
      await waitFor('the delivery', async () => (await recorded()) === 1)
      const before = await scrape()
      assert.equal((await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/ping`)).status, 200)
      const seq = receiver.at('/manual')[0]!.json.data.seq
      const again = await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/redeliver`, { seq })
      assert.equal(again.status, 200, again.text)
      const samples = await scrape()
      const delta = (kind: string) =>
        total(samples, 'roster_webhook_deliveries_total', { kind, outcome: 'delivered' }) - total(before, 'roster_webhook_deliveries_total', { kind, outcome: 'delivered' })
      assert.equal(delta('ping'), 1)
      assert.equal(delta('redelivery'), 1)
      assert.equal(
        total(samples, 'roster_webhook_delivery_lag_seconds_count') - total(before, 'roster_webhook_delivery_lag_seconds_count'),
        0,
        'lag is the deliverer’s, in order; a manual send is not',
      )
    })
  })
}
