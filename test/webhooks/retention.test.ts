/**
 * The webhook delivery log is pruned like the provisioning log: attempts older than the
 * tenant's logRetentionDays go, per endpoint, in bounded batches, and the server does it in
 * the background.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Background, backgroundConfigFromEnv } from '../../src/provisioning/background.js'
import { changedSettings } from '../../src/provisioning/tenant-settings.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { createEndpoint } from '../../src/provisioning/webhooks/endpoints.js'
import { pruneWebhookDeliveries } from '../../src/provisioning/webhooks/retention.js'
import type { Store, Tenant } from '../../src/store/contract.js'
import { STORES } from '../helpers/harness.js'

const DAY = 86_400_000
const NOW = new Date('2026-06-01T12:00:00.000Z')

for (const { name, open } of STORES) {
  describe(`webhook delivery log retention [${name}]`, () => {
    let store: Store
    before(async () => {
      store = await open()
      await store.migrate()
    })
    after(() => store.close())

    /** Attempts `ages` days before `now`, oldest first as a deliverer records them. */
    const fill = async (tenant: Tenant, endpointId: string, ages: readonly number[], now = NOW) => {
      for (const [i, days] of ages.entries()) {
        await store.webhooks.recordDelivery({
          id: randomUUID(),
          tenantId: tenant.id,
          endpointId,
          eventSeq: i + 1,
          eventId: randomUUID(),
          eventType: 'user.created',
          kind: 'event',
          attempt: 1,
          at: new Date(now.getTime() - days * DAY).toISOString(),
          outcome: 'delivered',
          status: 204,
          latencyMs: 3,
          response: null,
          error: null,
        })
      }
    }
    const left = async (tenant: Tenant, endpointId: string) =>
      (await store.webhooks.deliveries(tenant.id, endpointId, { limit: 10_000 })).items.map((d) => d.eventSeq).sort((a, b) => a - b)

    test("each endpoint's attempts older than its tenant's retention go, in bounded batches", async () => {
      const acme = await createTenant(store, 'enterprise', 'acme-hooks')
      const short = await createTenant(store, 'enterprise', 'short-hooks')
      await store.updateTenantSettings(short.id, changedSettings(short, { logRetentionDays: 1 }))
      const a1 = await createEndpoint(store, acme, { url: 'http://127.0.0.1:9/a1' })
      const a2 = await createEndpoint(store, acme, { url: 'http://127.0.0.1:9/a2' })
      const s1 = await createEndpoint(store, (await store.getTenant(short.id))!, { url: 'http://127.0.0.1:9/s1' })
      // acme keeps 30 days: a1 loses its 25 attempts of 40 days; a2 has nothing that old.
      await fill(acme, a1.id, [...Array.from({ length: 25 }, () => 40), 29, 2])
      await fill(acme, a2.id, [10, 0])
      // short keeps 1 day.
      await fill(short, s1.id, [3, 2, 1 / 24])

      const report = await pruneWebhookDeliveries(store, NOW, 10)
      assert.equal(report.deleted, 27)
      // a1: 10, 10, 5 (done); a2: 0; s1: 2.
      assert.equal(report.batches, 5)
      assert.deepEqual(await left(acme, a1.id), [26, 27])
      assert.deepEqual(await left(acme, a2.id), [1, 2])
      assert.deepEqual(await left(short, s1.id), [3])
      assert.deepEqual(await pruneWebhookDeliveries(store, NOW, 10), { deleted: 0, batches: 3 })
    })

    test('the server prunes the delivery log in the background', async () => {
      const bg = await createTenant(store, 'enterprise', 'bg-hooks')
      const endpoint = await createEndpoint(store, bg, { url: 'http://127.0.0.1:9/bg' })
      await fill(bg, endpoint.id, [400, 400, 0], new Date())
      const background = Background.start({
        store,
        config: backgroundConfigFromEnv({}, undefined),
        log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
        driftRepair: false,
      })
      try {
        let remaining = await left(bg, endpoint.id)
        for (let i = 0; i < 500 && remaining.length > 1; i++) {
          await sleep(10)
          remaining = await left(bg, endpoint.id)
        }
        assert.deepEqual(remaining, [3])
      } finally {
        await background.stop()
      }
    })
  })
}
