/**
 * Events name the provisioning log entry of the write that caused them (`logEntryId`): the
 * entry's `seq` as the provisioning-log admin route shows it, written in the same transaction.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { group, patch, STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'

interface Ev {
  type: string
  resourceId: string | null
  requestId: string | null
  logEntryId: string | null
  data: Record<string, any>
}

interface Entry {
  seq: number
  requestId: string
  bulkIndex: number | null
  resourceId: string | null
  status: number
}

for (const { name, open } of STORES) {
  describe(`events carry their provisioning log entry [${name}]`, () => {
    let h: AdminHarness
    let token = ''
    const slug = 'logged'
    const t = `enterprise:${slug}`
    const base = `/scim/v2/enterprises/${slug}`

    before(async () => {
      h = await startAdmin(open)
      token = (await h.enterprise(slug)).scimToken
    })
    after(() => h.close())

    const send = async (method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, requestId: string) => {
      const res = await h.raw({
        method,
        url: `${base}${path}`,
        headers: {
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
          ...(body !== undefined && { 'content-type': 'application/scim+json' }),
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      })
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`)
      return res
    }
    const entriesOf = async (requestId: string): Promise<Entry[]> => {
      const res = await h.admin('GET', `/tenants/${t}/provisioning-log?requestId=${encodeURIComponent(requestId)}`)
      assert.equal(res.status, 200, res.text)
      return res.body.items
    }
    const events = async (): Promise<Ev[]> => {
      await h.store.sequenceEvents()
      const res = await h.admin('GET', `/tenants/${t}/events?limit=1000`)
      assert.equal(res.status, 200, res.text)
      return res.body.items
    }
    const ofRequest = (all: Ev[], requestId: string) => all.filter((e) => e.requestId === requestId)

    test("a create's events (the user's, its account's, its welcome email's) carry the create's entry", async () => {
      const created = await send('POST', '/Users', user('ada@logged.example', { emails: [{ value: 'ada@logged.example', primary: true }] }), 'rq-create')
      const [entry] = await entriesOf('rq-create')
      assert.equal(entry?.resourceId, created.body.id)
      const mine = ofRequest(await events(), 'rq-create')
      assert.deepEqual(mine.map((e) => e.type), ['user.created', 'account.created'])
      for (const e of mine) assert.equal(e.logEntryId, String(entry!.seq), e.type)
    })

    test("a group PATCH's member events and its update share the PATCH's entry; a delete has its own", async () => {
      const ids: string[] = []
      for (const n of [1, 2]) ids.push((await send('POST', '/Users', user(`m${n}@logged.example`), `rq-m${n}`)).body.id)
      const g = await send('POST', '/Groups', group('Analysts', { members: [{ value: ids[0] }] }), 'rq-group')
      await send(
        'PATCH',
        `/Groups/${g.body.id}`,
        patch({ op: 'replace', path: 'displayName', value: 'Analysts 2' }, { op: 'add', path: 'members', value: [{ value: ids[1] }] }),
        'rq-patch',
      )
      await send('DELETE', `/Groups/${g.body.id}`, undefined, 'rq-delete')
      const all = await events()
      for (const [requestId, types] of [
        ['rq-group', ['group.created', 'group.members.added']],
        ['rq-patch', ['group.members.added', 'group.updated']],
        ['rq-delete', ['group.deleted']],
      ] as const) {
        const entries = await entriesOf(requestId)
        assert.equal(entries.length, 1, requestId)
        const mine = ofRequest(all, requestId)
        assert.deepEqual(mine.map((e) => e.type), types)
        for (const e of mine) assert.equal(e.logEntryId, String(entries[0]!.seq), `${requestId} ${e.type}`)
      }
    })

    test("Bulk: each operation's events carry that operation's entry", async () => {
      await send(
        'POST',
        '/Bulk',
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [
            { method: 'POST', path: '/Users', bulkId: 'a', data: user('bulk-a@logged.example') },
            { method: 'POST', path: '/Users', bulkId: 'b', data: user('bulk-b@logged.example') },
            { method: 'PATCH', path: '/Users/bulkId:a', data: patch({ op: 'replace', path: 'title', value: 'Lead' }) },
          ],
        },
        'rq-bulk',
      )
      const entries = await entriesOf('rq-bulk')
      assert.equal(entries.length, 3)
      const seqOf = (index: number) => String(entries.find((e) => e.bulkIndex === index)!.seq)
      const mine = ofRequest(await events(), 'rq-bulk')
      const created = mine.filter((e) => e.type === 'user.created')
      assert.equal(created.length, 2)
      const a = created.find((e) => e.data.state.userName === 'bulk-a@logged.example')!
      const b = created.find((e) => e.data.state.userName === 'bulk-b@logged.example')!
      assert.equal(a.logEntryId, seqOf(0))
      assert.equal(b.logEntryId, seqOf(1))
      assert.equal(mine.find((e) => e.type === 'user.updated')!.logEntryId, seqOf(2))
      // Each account event follows the create of its user.
      for (const e of mine.filter((x) => x.type === 'account.created')) {
        assert.equal(e.logEntryId, e.data.scimUserId === a.resourceId ? seqOf(0) : seqOf(1))
      }
      assert.equal(new Set(mine.map((e) => e.logEntryId)).size, 3)
    })

    test('concurrent creates (batched together on PostgreSQL): every event carries its own create’s entry', async () => {
      const n = 24
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          send('POST', '/Users', user(`c${i}@logged.example`, { emails: [{ value: `c${i}@logged.example`, primary: true }] }), `rq-c${i}`),
        ),
      )
      const all = await events()
      for (let i = 0; i < n; i++) {
        const [entry] = await entriesOf(`rq-c${i}`)
        const mine = ofRequest(all, `rq-c${i}`)
        assert.deepEqual(mine.map((e) => e.type).sort(), ['account.created', 'user.created'], `rq-c${i}`)
        for (const e of mine) assert.equal(e.logEntryId, String(entry!.seq), `rq-c${i} ${e.type}`)
      }
    })

    test('changes outside SCIM (the admin API) have no log entry', async () => {
      const team = await h.admin('POST', `/tenants/${t}/teams`, { name: 'ops' })
      assert.equal(team.status, 201, team.text)
      const made = (await events()).filter((e) => e.type === 'team.created')
      assert.equal(made.length, 1)
      assert.equal(made[0]!.logEntryId, null)
    })
  })
}
