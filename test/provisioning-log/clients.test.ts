import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES, user } from '../helpers/harness.js'
import { startAdmin, walk, type AdminHarness } from '../http/admin/admin-harness.js'

const LOG = '/tenants/organization:acme/provisioning-log'

for (const { name, open } of STORES) {
  describe(`provisioning log: clients and concurrent creates [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    const only = async (requestId: string) => {
      const { items } = await walk(h, `${LOG}?requestId=${requestId}`)
      assert.equal(items.length, 1)
      return items[0]
    }

    // The User-Agent is the test client's own (light-my-request), which names no provider.
    test("Entra's request shapes: the aadOptscim062020 flag on the tenant URL, string booleans", async () => {
      const created = await h.scim('POST', '/Users?aadOptscim062020', user('entra@acme.example', { active: 'True' }), {
        'x-request-id': 'entra-1',
        'content-type': 'application/json',
      })
      assert.equal(created.status, 201, created.text)
      const entry = await only('entra-1')
      assert.equal(entry.client, 'entra')
      assert.equal(entry.path, '/scim/v2/organizations/acme/Users', 'a write logs its path without the query')
      assert.ok(entry.changes.some((c: { attribute: string; after: unknown }) => c.attribute === 'active' && c.after === true))
    })

    test('concurrent creates (batched on PostgreSQL): one entry each, with its own request id', async () => {
      const n = 30
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) => h.scim('POST', '/Users', user(`c${i}@acme.example`), { 'x-request-id': `conc-${i}`, 'user-agent': 'Okta/1' })),
      )
      assert.deepEqual(answers.map((a) => a.status), Array(n).fill(201))
      const entries = (await walk(h, `${LOG}?client=okta`)).items
      assert.equal(entries.length, n)
      const byRequest = new Map(entries.map((e: { requestId: string; resourceId: string }) => [e.requestId, e.resourceId]))
      answers.forEach((a, i) => assert.equal(byRequest.get(`conc-${i}`), a.body.id))
    })
  })
}
