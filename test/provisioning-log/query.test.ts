import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ProvisioningLogHooks } from '../../src/provisioning/log/hooks.js'
import { group, patch, STORES, user } from '../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from '../http/admin/admin-harness.js'

const LOG = '/tenants/organization:acme/provisioning-log'

for (const { name, open } of STORES) {
  describe(`provisioning log: filters, paging, transactions [${name}]`, () => {
    let h: AdminHarness
    let ada: string
    let ops: string
    before(async () => {
      h = await startAdmin(open)
      const as = (agent: string, requestId: string) => ({ 'user-agent': agent, 'x-request-id': requestId })
      ada = (await h.scim('POST', '/Users', user('Ada@acme.example'), as('OKTA SCIM Integration', 'q-1'))).body.id
      await h.scim('POST', '/Users', user('ada@acme.example'), as('OKTA SCIM Integration', 'q-2')) // 409
      ops = (await h.scim('POST', '/Groups', group('Ops'), as('OneLogin SCIM', 'q-3'))).body.id
      await h.scim('PATCH', `/Users/${ada}`, patch({ op: 'replace', path: 'title', value: 'Countess' }), as('JumpCloud', 'q-4'))
      await h.scim('PATCH', `/Groups/${ops}`, patch({ op: 'add', path: 'members', value: [{ value: ada }] }), as('Google Workspace', 'q-5'))
      await h.scim('GET', '/Users/nope', undefined, as('curl/8', 'q-6')) // 404
    })
    after(() => h.close())

    const ids = async (query: string) => (await walk(h, `${LOG}${query}`)).items.map((e: { requestId: string }) => e.requestId)

    test('newest first, paged by cursor', async () => {
      const all = await ids('')
      assert.deepEqual(all, ['q-6', 'q-5', 'q-4', 'q-3', 'q-2', 'q-1'])
      const paged = await walk(h, `${LOG}?limit=4`)
      assert.equal(paged.pages, 2)
      assert.deepEqual(paged.items.map((e: { requestId: string }) => e.requestId), all)
      const seqs = paged.items.map((e: { seq: number }) => e.seq)
      assert.deepEqual([...seqs].sort((a, b) => b - a), seqs)
    })

    test('each filter', async () => {
      assert.deepEqual(await ids('?status=4xx'), ['q-6', 'q-2'])
      assert.deepEqual(await ids('?status=2xx'), ['q-5', 'q-4', 'q-3', 'q-1'])
      assert.deepEqual(await ids('?status=5xx'), [])
      assert.deepEqual(await ids('?resourceType=Group'), ['q-5', 'q-3'])
      assert.deepEqual(await ids(`?resourceId=${ops}`), ['q-5', 'q-3'])
      assert.deepEqual(await ids(`?user=${ada}`), ['q-4', 'q-1'])
      assert.deepEqual(await ids('?user=ADA%40ACME.EXAMPLE'), ['q-4', 'q-2', 'q-1'], 'by userName in any case, failed creates too')
      assert.deepEqual(await ids('?client=okta'), ['q-2', 'q-1'])
      assert.deepEqual(await ids('?client=onelogin'), ['q-3'])
      assert.deepEqual(await ids('?client=jumpcloud'), ['q-4'])
      assert.deepEqual(await ids('?client=google'), ['q-5'])
      assert.deepEqual(await ids('?client=other'), ['q-6'])
      assert.deepEqual(await ids('?requestId=q-4'), ['q-4'])
      assert.deepEqual(await ids('?status=4xx&client=okta'), ['q-2'])
    })

    test('time range: from inclusive, to exclusive; bad times are 400 naming the parameter', async () => {
      const entries = (await walk(h, LOG)).items
      const third = entries.find((e: { requestId: string }) => e.requestId === 'q-3')
      const from = await ids(`?from=${encodeURIComponent(third.at)}`)
      assert.ok(from.includes('q-3') && from.includes('q-6'))
      assert.ok(!from.includes('q-1') || entries.find((e: { requestId: string }) => e.requestId === 'q-1').at === third.at)
      const to = await ids(`?to=${encodeURIComponent(third.at)}`)
      assert.ok(!to.includes('q-3') && !to.includes('q-6'))
      assert.deepEqual(await ids('?from=2000-01-01&to=2000-01-02'), [])
      for (const [query, name] of [['?from=yesterday', 'from'], ['?to=2026-13-45T99:00:00Z', 'to'], ['?from=2030-01-01&to=2020-01-01', 'from']] as const) {
        const res = await h.admin('GET', `${LOG}${query}`)
        assert.equal(res.status, 400, query)
        assert.match(res.body.detail, new RegExp(`^${name}`), res.text)
      }
      assert.equal((await h.admin('GET', `${LOG}?client=azure`)).status, 400)
      assert.equal((await h.admin('GET', `${LOG}?status=2XX`)).status, 400)
    })

    test("each tenant's log holds its own entries", async () => {
      const other = await h.enterprise('globex')
      await h.scimAs(other.scimToken, 'POST', '/scim/v2/enterprises/globex/Users', user('x@globex.example'))
      const globex = (await walk(h, '/tenants/enterprise:globex/provisioning-log')).items
      assert.equal(globex.length, 1)
      assert.deepEqual(globex[0].tenant, { kind: 'enterprise', slug: 'globex' })
      assert.ok(!(await ids('')).includes(globex[0].requestId))
    })

    test('an entry appended in a transaction that rolls back is gone with it', async () => {
      const before = (await walk(h, LOG)).items.length
      const hooks = new ProvisioningLogHooks()
      const tenantStore = h.store.forTenant(h.tenant)
      const call = { requestId: 'rolled-back', method: 'PATCH', path: '/x', tokenId: null, tokenName: null, userAgent: null }
      await assert.rejects(
        tenantStore.transaction(async (tx) => {
          const existing = (await tx.get('User', ada))!
          await hooks.updated(tx, existing, existing, call)
          throw new Error('the write failed after its entry')
        }),
        /failed after its entry/,
      )
      assert.equal((await walk(h, LOG)).items.length, before)
      assert.deepEqual(await ids('?requestId=rolled-back'), [])
    })
  })
}
