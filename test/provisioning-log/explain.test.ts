/**
 * Plain-language explanations of failed SCIM calls: each rule on the detail texts Roster
 * really writes (read back from a real server's log, so a reworded error that no rule knows
 * any more fails here), and the statuses a test cannot easily provoke, from their texts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { explain, type Explainable } from '../../src/provisioning/log/explain.js'
import { patch, STORES, user } from '../helpers/harness.js'
import { startAdmin, type AdminHarness } from '../http/admin/admin-harness.js'

const entry = (e: Partial<Explainable> & Pick<Explainable, 'status'>): Explainable => ({
  scimType: null,
  detail: null,
  method: 'POST',
  path: '/scim/v2/organizations/acme/Users',
  resourceType: 'User',
  userName: null,
  client: 'other',
  ...e,
})

describe('explain: one failure at a time', () => {
  test('a success has nothing to explain', () => {
    assert.equal(explain(entry({ status: 201 })), undefined)
    assert.equal(explain(entry({ status: 204, method: 'DELETE' })), undefined)
  })

  test('what was sent is said from the method and path, naming the IdP', () => {
    const e = explain(entry({ status: 409, scimType: 'uniqueness', detail: 'userName "ada" is already taken', userName: 'ada', client: 'entra' }))!
    assert.equal(e.sent, "Entra ID asked to create the user 'ada'.")
    assert.equal(e.title, 'userName already exists')
    assert.match(e.fix, /in Entra ID/)
    assert.equal(e.side, 'idp')
    const read = explain(entry({ status: 400, scimType: 'invalidFilter', detail: 'filter: x', method: 'GET', path: '/scim/v2/x/Users?filter=nick%20eq%20%22a%22' }))!
    assert.equal(read.sent, 'The client looked for a user with the filter nick eq "a".')
    assert.match(read.why, /'nick eq "a"'/)
    const group = explain(entry({ status: 404, method: 'PATCH', path: '/scim/v2/x/Groups/g1', resourceType: 'Group', client: 'okta', detail: 'Group g1 not found' }))!
    assert.equal(group.sent, 'Okta asked to change the group.')
    assert.match(group.why, /no group with the id Okta used/)
  })

  test('statuses by their texts: 401, 412, 413, 429, 503, 500, and one no rule knows', () => {
    const titles = (e: Partial<Explainable> & Pick<Explainable, 'status'>) => explain(entry(e))?.title
    assert.equal(titles({ status: 401, detail: 'the bearer token is not valid for this tenant, has expired or was revoked' }), 'Token not accepted')
    assert.equal(titles({ status: 412, method: 'PUT', detail: 'If-Match W/"1" does not match the current version W/"2"' }), 'Changed in the meantime')
    assert.equal(titles({ status: 413, path: '/scim/v2/x/Bulk', detail: 'the bulk request has 1001 operations; the maximum is 1000' }), 'Request too large')
    const limited = explain(entry({ status: 429, client: 'okta', detail: "too many requests: this token's rate limit of 10/s is used up; retry after 1 second" }))!
    assert.equal(limited.title, 'Too many requests')
    assert.equal(limited.side, 'retry')
    assert.match(limited.fix, /ROSTER_RATE_LIMIT_/)
    assert.equal(titles({ status: 503, detail: 'the database is unavailable; retry later' }), 'Roster was unavailable')
    assert.equal(titles({ status: 500, detail: 'Internal Server Error' }), 'Server error')
    assert.equal(titles({ status: 502 }), 'Server error')
    assert.equal(titles({ status: 418, detail: 'teapot' }), 'Refused')
    assert.equal(titles({ status: 400, detail: 'something new' }), 'Request refused')
    assert.equal(
      titles({ status: 409, scimType: 'uniqueness', detail: "the login 'ada_acme' is now used by another account, so this user's account cannot be reactivated and stays suspended; rename the other account or change this userName" }),
      'Reactivation blocked: login taken',
    )
  })
})

for (const { name, open } of STORES.slice(0, 1)) {
  describe(`explain: the failures a real server logs [${name}]`, () => {
    let h: AdminHarness
    let token: string
    const LOG = '/tenants/enterprise:globex/provisioning-log'
    const base = '/scim/v2/enterprises/globex'
    before(async () => {
      h = await startAdmin(open)
      token = (await h.enterprise('globex')).scimToken
    })
    after(() => h.close())

    /** Makes the call, then explains the entry it left in the log, read back by the admin API. */
    async function explained(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
      const res = await h.scimAs(token, method, base + path, body)
      assert.ok(res.status >= 400, `${method} ${path} failed: ${res.status} ${res.text}`)
      const [logged] = (await h.admin('GET', `${LOG}?limit=1`)).body.items
      assert.equal(logged.status, res.status)
      const detail = await h.admin('GET', `${LOG}/${logged.seq}`)
      assert.equal(detail.status, 200, detail.text)
      assert.deepEqual(detail.body.explanation, explain(logged), 'the API gives the same explanation')
      return { ...detail.body.explanation, detail: logged.detail as string }
    }

    test('uniqueness: the userName, and the login two userNames give', async () => {
      assert.equal((await h.scimAs(token, 'POST', `${base}/Users`, user('ada@one.example'))).status, 201)
      assert.equal((await explained('POST', '/Users', user('ADA@one.example'))).title, 'userName already exists')
      const login = await explained('POST', '/Users', user('ada@two.example'))
      assert.equal(login.title, 'Login belongs to another provisioned user', login.detail)
      assert.match(login.why, /'ada_globex'/)
    })

    test('a rename to a login another account has; a reactivation whose login was taken meanwhile', async () => {
      const bob = (await h.scimAs(token, 'POST', `${base}/Users`, user('bob@one.example'))).body.id
      const carl = (await h.scimAs(token, 'POST', `${base}/Users`, user('carl@one.example'))).body.id
      const renamed = await explained('PATCH', `/Users/${carl}`, patch({ op: 'replace', path: 'userName', value: 'bob@two.example' }))
      assert.equal(renamed.title, 'Login already taken', renamed.detail)
      assert.match(renamed.why, /'bob_globex'/)

      assert.equal((await h.scimAs(token, 'PATCH', `${base}/Users/${bob}`, patch({ op: 'replace', path: 'active', value: false }))).status, 200)
      assert.equal((await h.scimAs(token, 'PATCH', `${base}/Users/${carl}`, patch({ op: 'replace', path: 'userName', value: 'bob@three.example' }))).status, 200)
      const back = await explained('PATCH', `/Users/${bob}`, patch({ op: 'replace', path: 'active', value: true }))
      assert.equal(back.title, 'Reactivation blocked: login taken', back.detail)
      assert.equal(back.side, 'roster')
    })

    test('invalidValue: a login too long, a userName that gives none, an unknown role, a missing userName', async () => {
      assert.equal((await explained('POST', '/Users', user(`${'x'.repeat(40)}@one.example`))).title, 'Login too long')
      assert.equal((await explained('POST', '/Users', user('@@@'))).title, 'userName gives no login')
      const role = await explained('POST', '/Users', user('rolf@one.example', { roles: [{ value: 'wizard' }] }))
      assert.equal(role.title, 'Unknown role', role.detail)
      assert.match(role.why, /'wizard'/)
      assert.equal((await explained('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })).title, 'Required attribute missing')
    })

    test('invalidFilter, invalidSyntax, mutability, noTarget, invalidPath', async () => {
      assert.equal((await explained('GET', `/Users?filter=${encodeURIComponent('nickname eq "a" and')}`)).title, 'Filter not understood')
      const syntax = await h.raw({ method: 'POST', url: `${base}/Users`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, payload: '{"userName":' })
      assert.equal(syntax.status, 400)
      const [logged] = (await h.admin('GET', `${LOG}?limit=1`)).body.items
      assert.equal(explain(logged)?.title, 'Request not understood')
      const id = (await h.scimAs(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "ada@one.example"')}`)).body.Resources[0].id
      assert.equal((await explained('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'id', value: 'x' }))).title, 'Read-only attribute changed')
      assert.equal((await explained('PATCH', `/Users/${id}`, patch({ op: 'remove' }))).title, 'PATCH has no target')
      assert.equal((await explained('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'name.nosuch', value: 'x' }))).title, 'Unknown attribute path')
    })

    test('404 an unknown id or endpoint, 412 a stale version, 403 SCIM disabled', async () => {
      const unknown = await explained('PATCH', '/Users/00000000-0000-4000-8000-000000000000', patch({ op: 'replace', path: 'title', value: 'x' }))
      assert.equal(unknown.title, 'Unknown id')
      // Not logged (no tenant route matched), but a client could be shown it.
      const nowhere = await h.scimAs(token, 'GET', `${base}/Userz`)
      assert.equal(nowhere.status, 404)
      assert.equal(explain(entry({ status: 404, method: 'GET', path: `${base}/Userz`, detail: nowhere.body.detail }))?.title, 'No such endpoint')
      const id = (await h.scimAs(token, 'GET', `${base}/Users?filter=${encodeURIComponent('userName eq "ada@one.example"')}`)).body.Resources[0].id
      const stale = await h.raw({
        method: 'PATCH',
        url: `${base}/Users/${id}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'if-match': 'W/"999"' },
        payload: JSON.stringify(patch({ op: 'replace', path: 'title', value: 'x' })),
      })
      assert.equal(stale.status, 412, stale.text)
      assert.equal(explain((await h.admin('GET', `${LOG}?limit=1`)).body.items[0])?.title, 'Changed in the meantime')
      assert.equal((await h.admin('POST', '/tenants/enterprise:globex/scim/disable', {})).status, 200)
      const disabled = await h.scimAs(token, 'POST', `${base}/Users`, user('late@one.example'))
      assert.equal(disabled.status, 403)
      const [logged] = (await h.admin('GET', `${LOG}?limit=1`)).body.items
      if (logged.status === 403) assert.equal(explain(logged)?.title, 'SCIM is disabled for this tenant')
      assert.equal(explain({ ...logged, status: 403, detail: disabled.body.detail })?.title, 'SCIM is disabled for this tenant')
    })
  })
}
