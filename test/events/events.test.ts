import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, group, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'

interface Ev {
  seq: number
  id: string
  type: string
  resourceType: string | null
  resourceId: string | null
  requestId: string | null
  logEntryId: string | null
  data: Record<string, any>
}

for (const { name, open } of STORES) {
  describe(`events and the pull feed [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    const feed = async (tenant: string, query: string): Promise<{ items: Ev[]; next: number }> => {
      const res = await h.admin('GET', `/tenants/${tenant}/events?${query}`)
      assert.equal(res.status, 200, res.text)
      return res.body
    }
    /**
     * On PostgreSQL a write's events are numbered just after it commits, so a moment after its
     * answer: a test that reads the feed right after writing waits for that first.
     */
    const numbered = () => h.store.sequenceEvents()

    test('SCIM writes: one event each, in order, with the request id, the changed attributes and the new state', async () => {
      const { tenant, scimToken } = await h.enterprise('initech')
      const base = '/scim/v2/enterprises/initech'
      const t = `enterprise:initech`
      const send = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown, requestId: string) =>
        h.raw({
          method,
          url: `${base}${path}`,
          headers: {
            authorization: `Bearer ${scimToken}`,
            'x-request-id': requestId,
            ...(body !== undefined && { 'content-type': 'application/scim+json' }),
          },
          ...(body !== undefined && { payload: JSON.stringify(body) }),
        })
      const created = await send('POST', '/Users', user('milton@initech.example', { emails: [{ value: 'milton@initech.example', primary: true }] }), 'req-create')
      assert.equal(created.status, 201, created.text)
      const id = created.body.id
      const patch = (ops: unknown[], rid: string) => send('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops }, rid)
      assert.ok([200, 204].includes((await patch([{ op: 'replace', path: 'title', value: 'Collator' }], 'req-title')).status))
      assert.ok([200, 204].includes((await patch([{ op: 'replace', path: 'title', value: 'Collator' }], 'req-same')).status))
      assert.ok([200, 204].includes((await patch([{ op: 'replace', path: 'active', value: false }], 'req-off')).status))
      assert.ok([200, 204].includes((await patch([{ op: 'replace', path: 'active', value: true }], 'req-on')).status))
      const members = []
      for (let i = 0; i < 30; i++) members.push((await send('POST', '/Users', user(`m${i}@initech.example`), `req-m${i}`)).body.id)
      const g = await send('POST', '/Groups', group('Printers'), 'req-group')
      const add = await send(
        'PATCH',
        `/Groups/${g.body.id}`,
        { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }] },
        'req-members',
      )
      assert.ok([200, 204].includes(add.status), add.text)
      assert.equal((await send('DELETE', `/Groups/${g.body.id}`, undefined, 'req-gone')).status, 204)
      // A refused write (userName taken) leaves no event and no gap.
      assert.equal((await send('POST', '/Users', user('milton@initech.example'), 'req-dup')).status, 409)
      assert.equal((await send('DELETE', `/Users/${id}`, undefined, 'req-del')).status, 204)

      await numbered()
      const { items, next } = await feed(t, 'limit=1000')
      assert.deepEqual(items.map((e) => e.seq), items.map((_, i) => i + 1), 'gap-free from 1')
      assert.equal(next, items.length)
      assert.ok(items.every((e) => typeof e.logEntryId === 'string' && typeof e.id === 'string'), 'every SCIM write names its log entry')
      assert.equal(new Set(items.map((e) => e.id)).size, items.length)
      const of = (rid: string) => items.filter((e) => e.requestId === rid).map((e) => e.type)
      assert.deepEqual(of('req-create'), ['user.created', 'account.created'])
      assert.deepEqual(of('req-title'), ['user.updated'])
      assert.deepEqual(of('req-same'), [], 'an unchanged write is no event')
      assert.deepEqual(of('req-off').slice(0, 2), ['user.deactivated', 'account.suspended'])
      assert.deepEqual(of('req-on')[0], 'user.reactivated')
      assert.deepEqual(of('req-group'), ['group.created'])
      assert.deepEqual(of('req-members'), ['group.members.added'], 'one event for 30 members')
      assert.deepEqual(of('req-gone'), ['group.deleted'])
      assert.deepEqual(of('req-dup'), [])
      assert.equal(of('req-del')[0], 'user.deleted')

      const title = items.find((e) => e.requestId === 'req-title')!
      assert.equal(title.resourceId, id)
      assert.equal(title.resourceType, 'User')
      assert.deepEqual(title.data.changed, ['title'])
      assert.equal(title.data.state.title, 'Collator')
      assert.equal(title.data.state.userName, 'milton@initech.example')
      assert.deepEqual(items.find((e) => e.requestId === 'req-off')!.data.changed, ['active'])
      assert.deepEqual(items.find((e) => e.requestId === 'req-members')!.data.members, members)
      assert.equal(items.find((e) => e.requestId === 'req-del')!.data.state, null)

      // Pages: after= continues where the last answer stopped.
      const first = await feed(t, 'limit=3')
      assert.deepEqual(first.items.map((e) => e.seq), [1, 2, 3])
      const second = await feed(t, `after=${first.next}&limit=2`)
      assert.deepEqual(second.items.map((e) => e.seq), [4, 5])
      const end = await feed(t, `after=${next}`)
      assert.deepEqual(end, { items: [], next })
      assert.ok(tenant.id)
    })

    test('a long-poll answers with the first event written while it waits, and empty when none comes', async () => {
      const t = 'organization:acme'
      await numbered()
      const last = (await feed(t, 'limit=1000')).next
      const empty = await feed(t, `after=${last}&wait=1`)
      assert.deepEqual(empty, { items: [], next: last })
      const waiting = feed(t, `after=${last}&wait=30`)
      assert.equal((await h.scim('POST', '/Users', user('waited@acme.example'))).status, 201)
      const woken = await waiting
      assert.equal(woken.items[0]?.type, 'user.created')
      assert.equal(woken.items[0]?.seq, last + 1)
    })

    test('a consumer that keeps its last seq sees every event of concurrent writers exactly once', async () => {
      const { scimToken } = await h.enterprise('hooli')
      const t = 'enterprise:hooli'
      const writers = 6
      const each = 15
      let writing = true
      const seen: Ev[] = []
      const consumer = (async () => {
        let lastSeq = 0
        for (;;) {
          const page = await feed(t, `after=${lastSeq}&limit=7&wait=1`)
          seen.push(...page.items)
          lastSeq = page.next
          if (!writing && page.items.length === 0) return
        }
      })()
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < each; i++) {
            const res = await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/hooli/Users', user(`w${w}-${i}@hooli.example`))
            assert.equal(res.status, 201, res.text)
          }
        }),
      )
      await numbered()
      writing = false
      await consumer
      const created = seen.filter((e) => e.type === 'user.created')
      assert.equal(created.length, writers * each)
      assert.equal(new Set(created.map((e) => e.resourceId)).size, writers * each)
      assert.deepEqual(seen.map((e) => e.seq), seen.map((_, i) => i + 1), 'every seq once, in order')
    })

    test('a tenant with events off writes none, and continues its seqs when they are on again', async () => {
      const { scimToken } = await h.enterprise('umbrella')
      const t = 'enterprise:umbrella'
      const create = async (userName: string) =>
        assert.equal((await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/umbrella/Users', user(userName))).status, 201)
      await create('before@umbrella.example')
      await numbered()
      const last = (await feed(t, 'limit=1000')).next
      assert.ok(last > 0)
      const off = await h.admin('PATCH', `/tenants/${t}/settings`, { events: false })
      assert.equal(off.status, 200, off.text)
      assert.equal(off.body.events, false)
      await create('quiet@umbrella.example')
      await numbered()
      assert.deepEqual(await feed(t, `after=${last}`), { items: [], next: last })
      assert.equal((await h.admin('PATCH', `/tenants/${t}/settings`, { events: true })).status, 200)
      await create('after@umbrella.example')
      await numbered()
      const { items } = await feed(t, `after=${last}`)
      assert.equal(items[0]?.seq, last + 1)
      assert.deepEqual(
        items.filter((e) => e.type === 'user.created').map((e) => e.data.state.userName),
        ['after@umbrella.example'],
      )
      const bad = await h.admin('PATCH', `/tenants/${t}/settings`, { events: 'no' })
      assert.equal(bad.status, 400)
    })

    test('bad feed parameters are 400s that say why', async () => {
      for (const query of ['after=-1', 'limit=0', 'limit=5000', 'wait=61', 'after=x']) {
        const res = await h.admin('GET', `/tenants/organization:acme/events?${query}`)
        assert.equal(res.status, 400, query)
        assert.ok(typeof res.body.detail === 'string' && res.body.detail.length > 0)
      }
    })
  })
}
