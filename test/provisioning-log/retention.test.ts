import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Background, backgroundConfigFromEnv } from '../../src/provisioning/background.js'
import { pruneProvisioningLogs } from '../../src/provisioning/log/retention.js'
import { changedSettings } from '../../src/provisioning/tenant-settings.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import type { Store, Tenant } from '../../src/store/contract.js'
import type { NewLogEntry } from '../../src/store/records/provisioning-log.js'
import { STORES } from '../helpers/harness.js'

const DAY = 86_400_000
const NOW = new Date('2026-06-01T12:00:00.000Z')

const entry = (at: Date, requestId: string): NewLogEntry => ({
  at: at.toISOString(),
  requestId,
  bulkIndex: null,
  bulkId: null,
  tokenId: null,
  tokenName: null,
  client: 'other',
  userAgent: null,
  method: 'POST',
  path: '/Users',
  status: 201,
  scimType: null,
  detail: null,
  resourceType: 'User',
  resourceId: requestId,
  userName: null,
  tolerances: null,
  changes: [],
  durationMs: 1.5,
})

for (const { name, open } of STORES) {
  describe(`provisioning log retention [${name}]`, () => {
    let store: Store
    before(async () => {
      store = await open()
      await store.migrate()
    })
    after(() => store.close())

    const fill = async (tenant: Tenant, ages: readonly number[], prefix: string, now = NOW) => {
      const entries = ages.map((days, i) => entry(new Date(now.getTime() - days * DAY), `${prefix}-${i}`))
      for (let i = 0; i < entries.length; i += 500) {
        await store.forTenant(tenant).transaction((tx) => tx.provisioningLog.appendMany(entries.slice(i, i + 500)))
      }
    }
    const left = async (tenant: Tenant) => {
      const page = await store.forTenant(tenant).transaction((tx) => tx.provisioningLog.list({ limit: 10_000 }))
      return page.items.map((e) => e.requestId).sort()
    }

    test("each tenant's entries older than its retention go, in bounded batches", async () => {
      const acme = await createTenant(store, 'organization', 'acme')
      const short = await createTenant(store, 'organization', 'short')
      await store.updateTenantSettings(short.id, changedSettings(short, { logRetentionDays: 1 }))
      // acme (30 days): 250 entries 40 days old go, those of 2 and 29 days stay.
      await fill(acme, [...Array.from({ length: 250 }, () => 40), 2, 29], 'acme')
      // short (1 day): 2 days old goes, an hour old stays.
      await fill(short, [2, 1 / 24], 'short')
      const report = await pruneProvisioningLogs(store, NOW, 100)
      assert.equal(report.deleted, 251)
      // acme: 100, 100, 50 (short: done); short: 1; the instance: 0.
      assert.equal(report.batches, 5)
      assert.deepEqual(await left(acme), ['acme-250', 'acme-251'])
      assert.deepEqual(await left(short), ['short-1'])
      const again = await pruneProvisioningLogs(store, NOW, 100)
      assert.deepEqual(again, { deleted: 0, batches: 3 })
    })

    test('the server prunes in the background', async () => {
      const bg = await createTenant(store, 'enterprise', 'bg')
      await fill(bg, [400, 400, 0], 'bg', new Date())
      const background = Background.start({
        store,
        config: backgroundConfigFromEnv({}, undefined),
        log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
        driftRepair: false,
      })
      try {
        let remaining = await left(bg)
        for (let i = 0; i < 500 && remaining.length > 1; i++) {
          await sleep(10)
          remaining = await left(bg)
        }
        assert.deepEqual(remaining, ['bg-2'])
      } finally {
        await background.stop()
      }
    })
  })
}
