/**
 * Webhook endpoints through the admin API, and the deliverer against a real HTTP receiver:
 * signed, in order per endpoint under concurrent writes, retried, dead-lettered, redelivered,
 * and one held endpoint never delaying another.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import type { Log } from '../../src/provisioning/email/sender.js'
import type { WebhookConfig } from '../../src/provisioning/webhooks/config.js'
import { WebhookDeliverer } from '../../src/provisioning/webhooks/deliverer.js'
import { waitFor } from '../email/smtp-sink.js'
import { STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'
import { Receiver } from './receiver.js'

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }

const CONFIG: WebhookConfig = { pollMs: 10, timeoutMs: 5000, retryBaseMs: 5, maxAttempts: 3, maxAgeMs: 3_600_000, concurrency: 4 }

for (const { name, open } of STORES) {
  describe(`webhooks [${name}]`, () => {
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

    /** A fresh tenant, so each test counts its own events. */
    const tenant = async () => {
      const slug = `t${++n}`
      const { scimToken } = await h.enterprise(slug)
      const create = async (userName: string) => {
        const res = await h.scimAs(scimToken, 'POST', `/scim/v2/enterprises/${slug}/Users`, user(userName))
        assert.equal(res.status, 201, res.text)
        return res.body.id as string
      }
      return { key: `enterprise:${slug}`, create }
    }
    const endpoint = async (t: string, path: string, extra: Record<string, unknown> = {}) => {
      const res = await h.admin('POST', `/tenants/${t}/webhooks`, { url: receiver.url(path), ...extra })
      assert.equal(res.status, 201, res.text)
      return res.body as { id: string; secret: string; cursor: number }
    }
    const feed = async (t: string) => (await h.admin('GET', `/tenants/${t}/events?limit=1000`)).body.items as { seq: number; id: string; type: string }[]
    const deliveries = async (t: string, id: string) => {
      const res = await h.admin('GET', `/tenants/${t}/webhooks/${id}/deliveries?limit=500`)
      assert.equal(res.status, 200, res.text)
      return (res.body.items as any[]).reverse()
    }
    /** The log once it holds `count` deliveries: the receiver has a request before its delivery is recorded. */
    const logOf = (t: string, id: string, count: number) =>
      waitFor(`${count} deliveries logged`, async () => {
        const log = await deliveries(t, id)
        return log.length >= count && log
      })

    test('the admin API: a secret once, validation in words, changes, deletion', async () => {
      const t = await tenant()
      const made = await endpoint(t.key, '/admin', { description: 'CRM', eventTypes: ['user.*', 'group.created'] })
      assert.match(made.secret, /^whsec_/)
      const got = await h.admin('GET', `/tenants/${t.key}/webhooks/${made.id}`)
      assert.equal(got.status, 200)
      assert.equal(got.body.secret, undefined, 'never shown again')
      assert.deepEqual(got.body.eventTypes, ['user.*', 'group.created'])
      const listed = await h.admin('GET', `/tenants/${t.key}/webhooks`)
      assert.deepEqual(listed.body.items.map((e: { id: string }) => e.id), [made.id])
      for (const [body, detail] of [
        [{ url: 'ftp://example.com/x' }, /only http and https/],
        [{ url: 'not a url' }, /not an absolute URL/],
        [{ url: 'https://u:p@example.com/' }, /user name or password/],
        [{ url: 'https://example.com/', eventTypes: ['user.*.x'] }, /'user\.\*\.x' is not an event type/],
      ] as const) {
        const res = await h.admin('POST', `/tenants/${t.key}/webhooks`, body)
        assert.equal(res.status, 400, res.text)
        assert.match(res.body.detail, detail)
      }
      const changed = await h.admin('PATCH', `/tenants/${t.key}/webhooks/${made.id}`, { enabled: false, eventTypes: ['*'] })
      assert.equal(changed.status, 200, changed.text)
      assert.equal(changed.body.enabled, false)
      assert.equal((await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/redeliver`, {})).status, 400)
      assert.equal((await h.admin('DELETE', `/tenants/${t.key}/webhooks/${made.id}`)).status, 204)
      assert.equal((await h.admin('GET', `/tenants/${t.key}/webhooks/${made.id}`)).status, 404)
      assert.equal((await h.admin('DELETE', `/tenants/${t.key}/webhooks/${made.id}`)).status, 404)
    })

    test('every matching event arrives signed, once, in seq order, under concurrent writes; filters apply', async () => {
      const t = await tenant()
      const all = await endpoint(t.key, '/all')
      const users = await endpoint(t.key, '/users', { eventTypes: ['user.*'] })
      await Promise.all(Array.from({ length: 30 }, (_, i) => t.create(`u${i}@example.test`)))
      // On PostgreSQL the sequencer numbers committed events after their writes; a server polls it.
      await h.store.sequenceEvents()
      const events = await feed(t.key)
      const userEvents = events.filter((e) => e.type.startsWith('user.'))
      assert.equal(userEvents.length, 30)
      await waitFor('every event at /all', () => receiver.at('/all').length >= events.length)
      await waitFor('every user event at /users', () => receiver.at('/users').length >= userEvents.length)
      assert.deepEqual(receiver.at('/all').map((r) => r.json.data.seq), events.map((e) => e.seq))
      assert.deepEqual(receiver.at('/users').map((r) => r.headers['webhook-id']), userEvents.map((e) => e.id))
      for (const [path, secret] of [['/all', all.secret], ['/users', users.secret]] as const) {
        for (const r of receiver.at(path)) {
          const body = new Webhook(secret).verify(r.body, r.headers) as { type: string; data: { id: string } }
          assert.equal(body.data.id, r.headers['webhook-id'])
          assert.equal(r.headers['webhook-signature']!.split(' ').length, 1)
        }
      }
      const log = await logOf(t.key, users.id, 30)
      assert.equal(log.length, 30)
      assert.ok(log.every((d) => d.outcome === 'delivered' && d.status === 204 && d.attempt === 1 && d.kind === 'event'))
      const cursor = () => h.admin('GET', `/tenants/${t.key}/webhooks/${all.id}`).then((r) => r.body.cursor as number)
      await waitFor('the cursor at the last event', async () => (await cursor()) === events.at(-1)!.seq)
    })

    test('rotation: both secrets sign during the grace period', async () => {
      const t = await tenant()
      const made = await endpoint(t.key, '/rotate', { eventTypes: ['user.created'] })
      const rotated = await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/rotate-secret`)
      assert.equal(rotated.status, 200, rotated.text)
      assert.notEqual(rotated.body.secret, made.secret)
      assert.ok(Date.parse(rotated.body.previousSecretExpiresAt) > Date.now() + 23 * 3_600_000)
      await t.create('rotated@example.test')
      const [r] = await waitFor('the delivery', () => receiver.at('/rotate').length === 1 && receiver.at('/rotate'))
      assert.equal(r!.headers['webhook-signature']!.split(' ').length, 2)
      for (const secret of [made.secret, rotated.body.secret]) new Webhook(secret).verify(r!.body, r!.headers)
    })

    test('a failing receiver: retried with backoff until it answers, then the next event; nothing skipped', async () => {
      const t = await tenant()
      receiver.on('/flaky', { status: (k) => (k <= 2 ? 503 : 200) })
      const made = await endpoint(t.key, '/flaky', { eventTypes: ['user.created'] })
      await t.create('a@example.test')
      await t.create('b@example.test')
      await waitFor('both events', () => receiver.at('/flaky').length === 2)
      const log = await logOf(t.key, made.id, 4)
      assert.deepEqual(log.map((d) => [d.outcome, d.status, d.attempt]), [
        ['failed', 503, 1],
        ['failed', 503, 2],
        ['delivered', 200, 3],
        ['delivered', 200, 1],
      ])
      assert.equal(log[0].response, 'answer 1')
      assert.match(log[0].error, /answered 503/)
      assert.deepEqual(receiver.at('/flaky').map((r) => r.json.type), ['user.created', 'user.created'])
    })

    test('dead letter after the last attempt: the endpoint moves on; a manual redelivery and a rewind send it again', async () => {
      const t = await tenant()
      let down = true
      receiver.on('/dead', { status: () => (down ? 500 : 200) })
      const made = await endpoint(t.key, '/dead', { eventTypes: ['user.created'] })
      await t.create('lost@example.test')
      await waitFor('the dead letter', async () => (await deliveries(t.key, made.id)).some((d) => d.outcome === 'dead'))
      down = false
      await t.create('next@example.test')
      await waitFor('the next event', () => receiver.at('/dead').length === 1)
      const events = (await feed(t.key)).filter((e) => e.type === 'user.created')
      assert.equal(receiver.at('/dead')[0]!.headers['webhook-id'], events[1]!.id)
      const log = await logOf(t.key, made.id, 4)
      assert.deepEqual(log.map((d) => [d.outcome, d.attempt, d.eventSeq]), [
        ['failed', 1, events[0]!.seq],
        ['failed', 2, events[0]!.seq],
        ['dead', 3, events[0]!.seq],
        ['delivered', 1, events[1]!.seq],
      ])
      assert.match(log[2].error, /dead-lettered after 3 attempts/)

      const again = await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/redeliver`, { seq: events[0]!.seq })
      assert.equal(again.status, 200, again.text)
      assert.equal(again.body.outcome, 'delivered')
      assert.equal(again.body.kind, 'redelivery')
      assert.equal(receiver.at('/dead')[1]!.headers['webhook-id'], events[0]!.id)
      const missing = await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/redeliver`, { seq: 10_000 })
      assert.equal(missing.status, 404)

      const rewound = await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/redeliver`, { from: events[0]!.seq })
      assert.equal(rewound.status, 200, rewound.text)
      assert.equal(rewound.body.cursor, events[0]!.seq - 1)
      await waitFor('both again, in order', () => receiver.at('/dead').length === 4)
      assert.deepEqual(receiver.at('/dead').slice(2).map((r) => r.headers['webhook-id']), events.map((e) => e.id))

      const ping = await h.admin('POST', `/tenants/${t.key}/webhooks/${made.id}/ping`)
      assert.equal(ping.status, 200, ping.text)
      assert.equal(ping.body.outcome, 'delivered')
      const pinged = receiver.at('/dead').at(-1)!
      assert.equal(pinged.json.type, 'webhook.ping')
      new Webhook(made.secret).verify(pinged.body, pinged.headers)
    })

    test('a redirect is not followed; a held endpoint does not delay another', async () => {
      const t = await tenant()
      receiver.on('/moved', { status: 307, headers: { location: receiver.url('/elsewhere') } })
      const moved = await endpoint(t.key, '/moved', { eventTypes: ['user.created'] })
      receiver.on('/slow', { hold: true })
      await endpoint(t.key, '/slow', { eventTypes: ['user.created'] })
      await endpoint(t.key, '/fast', { eventTypes: ['user.created'] })
      for (let i = 0; i < 5; i++) await t.create(`s${i}@example.test`)
      await waitFor('all at /fast', () => receiver.at('/fast').length === 5)
      await waitFor('the held request', () => receiver.counts.get('/slow') === 1)
      assert.equal(receiver.counts.get('/slow'), 1, 'the held endpoint has its first event outstanding')
      assert.equal(receiver.at('/slow').length, 0)
      const redirected = (await logOf(t.key, moved.id, 1))[0]
      assert.equal(redirected.status, 307)
      assert.match(redirected.error, /redirected to http:\/\/127\.0\.0\.1:\d+\/elsewhere; redirects are not followed/)
      assert.equal(receiver.counts.get('/elsewhere'), undefined)
      receiver.release()
      receiver.on('/slow', {})
      await waitFor('all at /slow', () => receiver.at('/slow').length === 5)
    })
  })
}
