/**
 * A write's events wake the deliverer of its process: with a poll of a minute, events written
 * through this process still reach the receiver at once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Log } from '../../src/provisioning/email/sender.js'
import type { WebhookConfig } from '../../src/provisioning/webhooks/config.js'
import { WebhookDeliverer } from '../../src/provisioning/webhooks/deliverer.js'
import { waitFor } from '../email/smtp-sink.js'
import { STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'
import { Receiver } from './receiver.js'

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }
const MINUTE_POLL: WebhookConfig = { pollMs: 60_000, timeoutMs: 5000, retryBaseMs: 5, maxAttempts: 3, maxAgeMs: 3_600_000, concurrency: 4 }

for (const { name, open } of STORES) {
  describe(`the deliverer wakes on new events [${name}]`, () => {
    let h: AdminHarness
    let receiver: Receiver
    let deliverer: WebhookDeliverer | undefined
    before(async () => {
      h = await startAdmin(open)
      receiver = await Receiver.start()
    })
    after(async () => {
      await deliverer?.stop()
      await receiver.close()
      await h.close()
    })

    test('each create is delivered long before the next poll', async () => {
      const { scimToken } = await h.enterprise('awake')
      const made = await h.admin('POST', '/tenants/enterprise:awake/webhooks', { url: receiver.url('/awake'), eventTypes: ['user.created'] })
      assert.equal(made.status, 201, made.text)
      deliverer = new WebhookDeliverer(h.store, MINUTE_POLL, quiet)
      deliverer.start()
      // Each create after the first is written while the deliverer sleeps out its minute.
      for (let i = 1; i <= 3; i++) {
        const res = await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/awake/Users', user(`awake-${i}@example.com`))
        assert.equal(res.status, 201, res.text)
        await waitFor(`delivery ${i}`, () => receiver.at('/awake').length === i, 20_000)
        assert.equal(receiver.at('/awake')[i - 1]!.json.data.resourceId, res.body.id)
      }
    })
  })
}
