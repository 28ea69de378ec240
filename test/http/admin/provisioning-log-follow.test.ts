/**
 * The admin API's provisioning log as the UI's live view reads it, on every store: following the
 * log with ?after= (only what was written since, filters applied, the position moving past what
 * the filters skipped), one entry by its seq, and the method filter.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { issueAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { patch, STORES, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const LOG = '/tenants/organization:acme/provisioning-log'

for (const { name, open } of STORES) {
  describe(`admin API: following the provisioning log, one entry [${name}]`, () => {
    let h: AdminHarness
    let ada: string
    before(async () => {
      h = await startAdmin(open)
      const as = (requestId: string) => ({ 'user-agent': 'OKTA SCIM Integration', 'x-request-id': requestId })
      ada = (await h.scim('POST', '/Users', user('ada@acme.example'), as('f-1'))).body.id
      await h.scim('POST', '/Users', user('ada@acme.example'), as('f-2')) // 409
    })
    after(() => h.close())

    test('a first page says where to follow from; ?after= then gives only what was written since, oldest first', async () => {
      const first = await h.admin('GET', `${LOG}?limit=1`)
      assert.equal(first.status, 200, first.text)
      assert.deepEqual(requestIds(first.body), ['f-2'])
      const start = first.body.next
      assert.equal(start, first.body.items[0].seq, 'next is the newest seq of the log')

      const quiet = await h.admin('GET', `${LOG}?after=${start}`)
      assert.deepEqual(quiet.body, { items: [], next: start }, 'nothing new: the same position')

      await h.scim('PATCH', `/Users/${ada}`, patch({ op: 'replace', path: 'title', value: 'Countess' }), { 'x-request-id': 'f-3' })
      await h.scim('GET', '/Users/nobody', undefined, { 'x-request-id': 'f-4' })
      await h.scim('DELETE', `/Users/${ada}`, undefined, { 'x-request-id': 'f-5' })
      const fresh = await h.admin('GET', `${LOG}?after=${start}`)
      assert.deepEqual(requestIds(fresh.body), ['f-3', 'f-4', 'f-5'])
      assert.equal(fresh.body.next, fresh.body.items[2].seq)
      assert.equal(fresh.body.nextCursor, undefined)

      // A full page: next is its last item, and the rest follows from there.
      const two = await h.admin('GET', `${LOG}?after=${start}&limit=2`)
      assert.deepEqual(requestIds(two.body), ['f-3', 'f-4'])
      const rest = await h.admin('GET', `${LOG}?after=${two.body.next}&limit=2`)
      assert.deepEqual(requestIds(rest.body), ['f-5'])
    })

    test('filters apply while following, and the position moves past the entries they skip', async () => {
      const start = (await h.admin('GET', `${LOG}?limit=1`)).body.next
      await h.scim('POST', '/Users', user('bob@acme.example'), { 'x-request-id': 'g-1' })
      await h.scim('GET', '/Users/nobody', undefined, { 'x-request-id': 'g-2' })
      const failures = await h.admin('GET', `${LOG}?after=${start}&status=4xx`)
      assert.deepEqual(requestIds(failures.body), ['g-2'])

      await h.scim('POST', '/Users', user('carol@acme.example'), { 'x-request-id': 'g-3' })
      const none = await h.admin('GET', `${LOG}?after=${failures.body.next}&status=4xx`)
      assert.deepEqual(none.body.items, [])
      const newest = (await h.admin('GET', `${LOG}?limit=1`)).body.items[0]
      assert.equal(newest.requestId, 'g-3')
      // The next poll starts after carol's create: it is not looked at again.
      assert.equal(none.body.next, newest.seq)

      const byMethod = await h.admin('GET', `${LOG}?after=${start}&method=POST`)
      assert.deepEqual(requestIds(byMethod.body), ['g-1', 'g-3'])
    })

    test('the method filter, newest first', async () => {
      const posts = await h.admin('GET', `${LOG}?method=POST&user=ada%40acme.example`)
      assert.deepEqual(requestIds(posts.body), ['f-2', 'f-1'])
      const deletes = await h.admin('GET', `${LOG}?method=DELETE`)
      assert.deepEqual(requestIds(deletes.body), ['f-5'])
      const bad = await h.admin('GET', `${LOG}?method=HEAD`)
      assert.equal(bad.status, 400)
    })

    test('after and cursor together, or a bad after, are refused with the reason', async () => {
      const page = await h.admin('GET', `${LOG}?limit=1`)
      const both = await h.admin('GET', `${LOG}?limit=1&after=1&cursor=${encodeURIComponent(page.body.nextCursor)}`)
      assert.equal(both.status, 400)
      assert.match(both.body.detail, /after and cursor: give one/)
      assert.equal((await h.admin('GET', `${LOG}?after=-1`)).status, 400)
      assert.equal((await h.admin('GET', `${LOG}?after=soon`)).status, 400)
    })

    test('one entry by its seq; another tenant’s or a missing one is a 404', async () => {
      const failed = (await h.admin('GET', `${LOG}?requestId=f-2`)).body.items[0]
      const one = await h.admin('GET', `${LOG}/${failed.seq}`)
      assert.equal(one.status, 200, one.text)
      const { explanation, ...recorded } = one.body
      assert.deepEqual(recorded, failed)
      assert.equal(explanation.title, 'userName already exists')
      assert.equal(one.body.status, 409)
      assert.equal(one.body.scimType, 'uniqueness')
      assert.equal(one.body.userName, 'ada@acme.example')

      const patched = (await h.admin('GET', `${LOG}?requestId=f-3`)).body.items[0]
      const diff = (await h.admin('GET', `${LOG}/${patched.seq}`)).body
      assert.deepEqual(diff.changes, [{ attribute: 'title', after: 'Countess' }])
      assert.equal(diff.explanation, null, 'a success needs no explanation')

      const missing = await h.admin('GET', `${LOG}/999999999`)
      assert.equal(missing.status, 404)
      assert.match(missing.body.detail, /no entry 999999999/)
      assert.equal((await h.admin('GET', `${LOG}/not-a-number`)).status, 400)

      const { scimToken } = await h.enterprise('globex')
      await h.scimAs(scimToken, 'POST', '/scim/v2/enterprises/globex/Users', user('zed@globex.example'))
      const theirs = (await h.admin('GET', '/tenants/enterprise:globex/provisioning-log')).body.items[0]
      assert.equal((await h.admin('GET', `${LOG}/${theirs.seq}`)).status, 404, 'another tenant’s entry is not found here')
      assert.equal((await h.admin('GET', `/tenants/enterprise:globex/provisioning-log/${theirs.seq}`)).status, 200)

      // A token of one tenant reaches its own log only, followed or one entry at a time; to it
      // another tenant does not exist (404, as everywhere in the admin API).
      const acmeOnly = (await issueAdminToken(h.store, { tenant: h.tenant })).token
      assert.equal((await h.admin('GET', `${LOG}/${failed.seq}`, undefined, acmeOnly)).status, 200)
      assert.equal((await h.admin('GET', `${LOG}?after=0`, undefined, acmeOnly)).status, 200)
      assert.equal((await h.admin('GET', `/tenants/enterprise:globex/provisioning-log/${theirs.seq}`, undefined, acmeOnly)).status, 404)
      assert.equal((await h.admin('GET', '/tenants/enterprise:globex/provisioning-log?after=0', undefined, acmeOnly)).status, 404)
    })
  })
}

for (const { name, open } of STORES.filter((s) => s.name === 'postgres')) {
  describe(`admin API: an entry that commits late, behind one already read [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    test('?after=next skips it; asking from a little before next (as the UI does) finds it', async () => {
      const start = (await h.admin('GET', `${LOG}?limit=1`)).body.next
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      let drawn!: () => void
      const appended = new Promise<void>((resolve) => (drawn = resolve))
      // A write's transaction that has drawn its seq and not committed yet.
      const late = h.store.forTenant(h.tenant).transaction(async (tx) => {
        await tx.provisioningLog.append({
          at: new Date().toISOString(),
          requestId: 'late-1',
          bulkIndex: null,
          bulkId: null,
          tokenId: null,
          tokenName: null,
          client: 'other',
          userAgent: null,
          method: 'GET',
          path: '/scim/v2/organizations/acme/Users/late',
          status: 404,
          scimType: null,
          detail: 'User late not found',
          resourceType: 'User',
          resourceId: 'late',
          userName: null,
          tolerances: null,
          changes: null,
          durationMs: 1,
        })
        drawn()
        await gate
      })
      await appended
      await h.scim('POST', '/Users', user('early@acme.example'), { 'x-request-id': 'early-1' })
      const seen = await h.admin('GET', `${LOG}?after=${start}`)
      assert.equal(seen.status, 200, seen.text)
      assert.deepEqual(requestIds(seen.body), ['early-1'], 'the late entry is not visible yet')
      release()
      await late

      const exact = await h.admin('GET', `${LOG}?after=${seen.body.next}`)
      assert.deepEqual(requestIds(exact.body), [], 'behind next: skipped')
      const back = await h.admin('GET', `${LOG}?after=${Math.max(0, seen.body.next - 32)}`)
      assert.equal(back.status, 200, back.text)
      assert.deepEqual(requestIds(back.body), ['late-1', 'early-1'], 'a few positions back: found, in seq order')
    })
  })
}

const requestIds = (body: { items: { requestId: string }[] }) => body.items.map((e) => e.requestId)
