/**
 * What the admin UI's Webhooks and Events pages added to the admin API, on every store: an
 * endpoint's status (pending events, last attempt and success, dead letters), the list of
 * event types, and the events feed filtered by type within a bounded window of seqs.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { TYPE_WINDOW } from '../../../src/http/admin/routes/events.js'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import type { Log } from '../../../src/provisioning/email/sender.js'
import { EVENT_TYPES } from '../../../src/library/events.js'
import { WebhookDeliverer } from '../../../src/provisioning/webhooks/deliverer.js'
import { waitFor } from '../../email/smtp-sink.js'
import { STORES, user } from '../../helpers/harness.js'
import { Receiver } from '../../webhooks/receiver.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }

for (const { name, open } of STORES) {
  describe(`admin API for the webhooks and events pages [${name}]`, () => {
    let h: AdminHarness
    let receiver: Receiver
    const T = '/tenants/organization:acme'

    before(async () => {
      h = await startAdmin(open)
      receiver = await Receiver.start()
    })
    after(async () => {
      await receiver.close()
      await h.close()
    })

    const create = async (userName: string) => {
      const res = await h.scim('POST', '/Users', user(userName))
      assert.equal(res.status, 201, res.text)
      await h.store.sequenceEvents()
      return res.body.id as string
    }

    test('the event types are the ones Roster records, for any admin token', async () => {
      const res = await h.admin('GET', '/event-types')
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.types, [...EVENT_TYPES])
      assert.ok(res.body.types.includes('user.created'))
      const { token } = await issueAdminToken(h.store, { tenant: h.tenant })
      assert.equal((await h.admin('GET', '/event-types', undefined, token)).status, 200)
      assert.equal((await h.admin('GET', '/event-types', undefined, null)).status, 401)
    })

    test("an endpoint's status: nothing yet, then pending events, then its attempts and dead letters", async () => {
      const hook = (await h.admin('POST', `${T}/webhooks`, { url: receiver.url('/status'), eventTypes: ['user.*'] })).body
      const status = async () => {
        const res = await h.admin('GET', `${T}/webhooks/${hook.id}/status`)
        assert.equal(res.status, 200, res.text)
        return res.body
      }
      const fresh = await status()
      assert.deepEqual(fresh, {
        latestSeq: hook.cursor,
        pending: 0,
        oldestPendingAt: null,
        lastAttempt: null,
        lastSuccessAt: null,
        deadLetters: 0,
        deadLettersCapped: false,
        lastDeadLetterAt: null,
      })

      // No deliverer runs yet: the events wait after the cursor.
      await create('pending@acme.example')
      const waiting = await status()
      assert.ok(waiting.pending >= 1)
      assert.equal(waiting.latestSeq, hook.cursor + waiting.pending)
      const [first] = (await h.admin('GET', `${T}/events?after=${hook.cursor}&limit=1`)).body.items
      assert.equal(waiting.oldestPendingAt, first.at)

      // A ping is an attempt, and a success.
      const ping = await h.admin('POST', `${T}/webhooks/${hook.id}/ping`)
      assert.equal(ping.body.outcome, 'delivered')
      const pinged = await status()
      assert.equal(pinged.lastAttempt.kind, 'ping')
      assert.equal(pinged.lastAttempt.status, 204)
      assert.equal(pinged.lastSuccessAt, ping.body.at)

      // The receiver refuses: with one attempt allowed, each event is dead-lettered and skipped.
      receiver.on('/status', { status: 500 })
      const deliverer = new WebhookDeliverer(h.store, { pollMs: 10, timeoutMs: 5000, retryBaseMs: 5, maxAttempts: 1, maxAgeMs: 3_600_000, concurrency: 2 }, quiet)
      deliverer.start()
      try {
        await waitFor('the endpoint to deal with every event', async () => (await status()).pending === 0)
      } finally {
        await deliverer.stop()
      }
      const dead = await status()
      const deadLog = (await h.admin('GET', `${T}/webhooks/${hook.id}/deliveries?outcome=dead&limit=500`)).body.items
      assert.ok(deadLog.length >= 1)
      assert.equal(dead.deadLetters, deadLog.length)
      assert.equal(dead.lastDeadLetterAt, deadLog[0].at)
      assert.equal(dead.lastAttempt.outcome, 'dead')
      assert.equal(dead.lastAttempt.status, 500)
      assert.equal(dead.lastSuccessAt, ping.body.at, 'the ping is still the last success')
      assert.equal(dead.oldestPendingAt, null)
    })

    test('status: an unknown endpoint is a 404, and another tenant cannot read it', async () => {
      const hook = (await h.admin('POST', `${T}/webhooks`, { url: receiver.url('/other') })).body
      const missing = await h.admin('GET', `${T}/webhooks/nope/status`)
      assert.equal(missing.status, 404)
      assert.match(missing.body.detail, /endpoint|webhook/i)
      const { tenant } = await h.enterprise('globex')
      const { token } = await issueAdminToken(h.store, { tenant })
      const foreign = await h.admin('GET', `${T}/webhooks/${hook.id}/status`, undefined, token)
      assert.ok(foreign.status === 403 || foreign.status === 404, foreign.text)
      assert.equal((await h.admin('GET', `/tenants/enterprise:globex/webhooks/${hook.id}/status`)).status, 404)
    })

    test('the feed by type: exact or wildcard, with next moving past what was examined', async () => {
      const base = (await h.admin('GET', `${T}/events?after=0&limit=1000`)).body.next as number
      await create('typed-a@acme.example')
      const g = await h.scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'typed' })
      assert.equal(g.status, 201, g.text)
      await create('typed-b@acme.example')
      await h.store.sequenceEvents()
      const all = (await h.admin('GET', `${T}/events?after=${base}&limit=1000`)).body
      const of = (type: string) => all.items.filter((e: { type: string }) => e.type === type || (type.endsWith('.*') && e.type.startsWith(type.slice(0, -1))))

      const users = await h.admin('GET', `${T}/events?after=${base}&type=user.created`)
      assert.equal(users.status, 200, users.text)
      assert.deepEqual(users.body.items.map((e: { seq: number }) => e.seq), of('user.created').map((e: { seq: number }) => e.seq))
      assert.equal(users.body.items.length, 2)
      assert.equal(users.body.next, all.next, 'nothing else matched: next is the last seq examined')

      const groups = await h.admin('GET', `${T}/events?after=${base}&type=group.*`)
      assert.deepEqual(groups.body.items.map((e: { type: string }) => e.type), ['group.created'])

      // A page full of matches ends at its last item, so the next page continues from there.
      const one = await h.admin('GET', `${T}/events?after=${base}&type=user.created&limit=1`)
      assert.equal(one.body.items.length, 1)
      assert.equal(one.body.next, one.body.items[0].seq)
      const rest = await h.admin('GET', `${T}/events?after=${one.body.next}&type=user.created&limit=1`)
      assert.equal(rest.body.items[0].seq, of('user.created')[1].seq)

      // Nothing matches: an empty page that still moves on, to the last seq (never past it).
      const none = await h.admin('GET', `${T}/events?after=${base}&type=team.deleted`)
      assert.deepEqual(none.body, { items: [], next: all.next })
      const beyond = await h.admin('GET', `${T}/events?after=${all.next + 5}&type=user.created`)
      assert.deepEqual(beyond.body, { items: [], next: all.next + 5 })
    })

    test("the tenant's last seq: where the feed ends, per tenant", async () => {
      await create('last@acme.example')
      const all = (await h.admin('GET', `${T}/events?limit=1000`)).body
      const last = await h.admin('GET', `${T}/events/last`)
      assert.equal(last.status, 200, last.text)
      assert.deepEqual(last.body, { seq: all.next })
      assert.ok(all.next > 0)
      await h.enterprise('initech')
      assert.deepEqual((await h.admin('GET', '/tenants/enterprise:initech/events/last')).body, { seq: 0 })
    })

    test('the feed by type reads one window of seqs at most: a rare type costs what a common one does', async () => {
      const { tenant } = await h.enterprise('busy')
      const at = new Date().toISOString()
      const event = (type: string) => ({ id: randomUUID(), type, at, resourceType: null, resourceId: null, requestId: null, logEntryId: null, data: {} })
      for (let written = 0; written < TYPE_WINDOW + 50; written += 1000) {
        const batch = Array.from({ length: Math.min(1000, TYPE_WINDOW + 50 - written) }, () => event('user.updated'))
        await h.store.forTenant(tenant).transaction((tx) => tx.events.append(batch))
      }
      await h.store.forTenant(tenant).transaction((tx) => tx.events.append([event('group.created')]))
      await h.store.sequenceEvents()
      const last = TYPE_WINDOW + 51
      assert.deepEqual((await h.admin('GET', '/tenants/enterprise:busy/events/last')).body, { seq: last })

      // None in the first window: an empty answer whose next is the window's end, not the tenant's.
      const first = await h.admin('GET', '/tenants/enterprise:busy/events?type=group.created')
      assert.deepEqual(first.body, { items: [], next: TYPE_WINDOW })
      const second = await h.admin('GET', `/tenants/enterprise:busy/events?type=group.created&after=${first.body.next}`)
      assert.deepEqual(second.body.items.map((e: { seq: number; type: string }) => [e.seq, e.type]), [[last, 'group.created']])
      assert.equal(second.body.next, last)
    })

    test('the feed by type: a bad type or a wait is a 400 that says why', async () => {
      const bad = await h.admin('GET', `${T}/events?type=${encodeURIComponent('user created')}`)
      assert.equal(bad.status, 400)
      assert.match(bad.body.detail, /not an event type/)
      const wait = await h.admin('GET', `${T}/events?type=user.created&wait=5`)
      assert.equal(wait.status, 400)
      assert.match(wait.body.detail, /does not wait/)
    })
  })
}
