/**
 * What delivering a backlog costs, counted in statements (the stores' `observe` option) and
 * connections, not timed: one write per batch of delivered events (one statement where the
 * database takes both writes in one, PostgreSQL; the insert and the update on SQLite) with a
 * delivery-log row for each event all the same, the events read a window of 100 at a time
 * whatever matches, events the endpoint does not take costing no statement of their own, and
 * every request on one kept-alive connection.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { newEvent } from '../../src/provisioning/events/emit.js'
import type { Log } from '../../src/provisioning/email/sender.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import type { WebhookConfig } from '../../src/provisioning/webhooks/config.js'
import { WebhookDeliverer } from '../../src/provisioning/webhooks/deliverer.js'
import { createEndpoint } from '../../src/provisioning/webhooks/endpoints.js'
import type { Store } from '../../src/store/contract.js'
import type { Statement } from '../../src/store/sql/statement.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { waitFor } from '../email/smtp-sink.js'
import { testPostgres } from '../helpers/test-postgres.js'
import { Receiver } from './receiver.js'

const postgres = await testPostgres()
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }
// A poll far longer than the test: every look is one the deliverer was woken for, so the
// statements do not depend on how fast the machine is.
const CONFIG: WebhookConfig = { pollMs: 600_000, timeoutMs: 5000, retryBaseMs: 5, maxAttempts: 3, maxAgeMs: 3_600_000, concurrency: 4 }
/** The deliverer's window (deliverer.ts BATCH). */
const WINDOW = 100
/**
 * Delivered events per write. The time limit is set beyond the test so that the writes depend
 * on the events alone, not on how fast the machine is.
 */
const RECORD_EVERY = { events: 100, ms: 600_000 }

const OBSERVED: { name: string; open: (observe: (s: Statement) => void) => Promise<Store>; statementsPerBatch: number }[] = [
  { name: 'sqlite', open: async (observe) => SqliteStore.open(':memory:', { observe }), statementsPerBatch: 2 },
  ...(postgres.available ? [{ name: 'postgres', open: (observe: (s: Statement) => void) => postgres.postgres.openStore({ observe }), statementsPerBatch: 1 }] : []),
]

const receiver = await Receiver.start()
after(() => receiver.close())

for (const { name, open } of OBSERVED) {
  describe(`statements of webhook delivery, per batch [${name}]`, () => {
    let recording: Statement[] | undefined
    let n = 0

    /**
     * `total` events of which every `stride`-th is a user.created, written while the endpoint
     * (subscribed to user.created) is disabled, then delivered: the statements the deliverer ran.
     */
    const deliver = async (total: number, stride: number) => {
      const store = await open((s) => recording?.push(s))
      await store.migrate()
      try {
        const tenant = await createTenant(store, 'enterprise', `cost${++n}`)
        const path = `/${name}/cost${n}`
        const made = await createEndpoint(store, tenant, { url: receiver.url(path), eventTypes: ['user.created'], description: 'cost' })
        await store.webhooks.update(tenant.id, made.id, { enabled: false }, new Date().toISOString())
        const events = Array.from({ length: total }, (_, i) =>
          newEvent({
            type: i % stride === 0 ? 'user.created' : 'group.created',
            resourceType: i % stride === 0 ? 'User' : 'Group',
            resourceId: randomUUID(),
            requestId: `r${i}`,
            data: { changed: ['displayName'], state: { n: i } },
          }),
        )
        await store.forTenant(tenant).transaction((tx) => tx.events.append(events))
        await store.sequenceEvents()
        await store.webhooks.update(tenant.id, made.id, { enabled: true }, new Date().toISOString())
        const matching = events.filter((e) => e.type === 'user.created').length
        const connections = receiver.connections

        recording = []
        const deliverer = new WebhookDeliverer(store, CONFIG, quiet, { recordEvery: RECORD_EVERY })
        deliverer.start()
        await waitFor(`${matching} deliveries`, () => receiver.at(path).length >= matching, 60_000)
        // The cursor reaches the last event (a trailing window without a match moves it too).
        await waitFor('the cursor at the end', async () => (await store.webhooks.get(tenant.id, made.id))?.cursor === total)
        await deliverer.stop()
        const seen = recording
        recording = undefined

        assert.equal(receiver.at(path).length, matching, 'each event once')
        // Batched or not, each delivery has its row in the log, in order.
        const log = await store.webhooks.deliveries(tenant.id, made.id, { limit: matching + 1 })
        assert.deepEqual(
          log.items.map((d) => [d.eventSeq, d.outcome]).reverse(),
          receiver.at(path).map((r) => [r.json.data.seq, 'delivered']),
          'a delivered row per event, in the order sent',
        )
        const sql = seen.map((s) => s.sql)
        const count = (re: RegExp) => sql.filter((s) => re.test(s)).length
        return {
          matching,
          newConnections: receiver.connections - connections,
          // Statements that write delivery-log rows, whatever their number of rows.
          logged: count(/INSERT INTO webhook_deliveries/),
          endpointWrites: count(/^UPDATE webhook_endpoints/),
          eventReads: count(/FROM events\b/),
          // The looks for due endpoints: one per wake, not per event.
          looks: count(/FROM webhook_endpoints WHERE enabled = 1/),
          total: sql.length,
        }
      } finally {
        await store.close()
      }
    }

    test('one write per batch of delivered events, a read per window, one connection', async () => {
      const costs = await deliver(350, 2)
      assert.equal(costs.matching, 175)
      const batches = Math.ceil(175 / RECORD_EVERY.events)
      assert.ok(costs.logged <= batches, `${costs.logged} inserts into the delivery log for 175 deliveries`)
      const writesPerBatch = OBSERVED.find((o) => o.name === name)!.statementsPerBatch
      // Per batch: the log entries and the cursor, as one statement or two; beyond that the
      // claim and the release (a window without a match moves the cursor with the next batch).
      assert.ok(costs.endpointWrites <= batches + 2, `${costs.endpointWrites} updates of the endpoint`)
      // 350 events are 4 windows; the empty read that ends the backlog, and the look after it.
      assert.ok(costs.eventReads <= Math.ceil(350 / WINDOW) + 2, `${costs.eventReads} reads of events`)
      assert.ok(costs.looks <= 3, `${costs.looks} looks for due endpoints`)
      assert.ok(costs.total <= batches * writesPerBatch + Math.ceil(350 / WINDOW) + 10, `${costs.total} statements in all`)
      assert.ok(costs.newConnections <= 2, `${costs.newConnections} connections for 175 requests`)
    })

    test('1,000 deliveries take 1,000 / batch writes and a few more', async () => {
      const costs = await deliver(1000, 1)
      assert.equal(costs.matching, 1000)
      const batches = 1000 / RECORD_EVERY.events
      assert.ok(costs.logged <= batches, `${costs.logged} inserts into the delivery log`)
      assert.ok(costs.endpointWrites <= batches + 2, `${costs.endpointWrites} updates of the endpoint`)
      const writesPerBatch = OBSERVED.find((o) => o.name === name)!.statementsPerBatch
      assert.ok(costs.total <= batches * writesPerBatch + 1000 / WINDOW + 10, `${costs.total} statements in all`)
    })

    test('events the endpoint does not take cost no statement of their own', async () => {
      // The same 60 deliveries among 60 events, then among 600: only the windows differ, each
      // a read and at most one step of the cursor past the events after its last match.
      const dense = await deliver(60, 1)
      const sparse = await deliver(600, 10)
      assert.equal(dense.matching, 60)
      assert.equal(sparse.matching, 60)
      assert.equal(sparse.logged, dense.logged)
      assert.ok(sparse.total - dense.total <= 2 * Math.ceil(600 / WINDOW) + 2, `${sparse.total} vs ${dense.total} statements`)
    })
  })
}
