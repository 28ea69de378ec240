import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { STORES } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

const acme = '/tenants/organization:acme'

for (const { name, open } of STORES) {
  describe(`admin API: problem details for bad input [${name}]`, () => {
    let h: AdminHarness
    before(async () => {
      h = await startAdmin(open)
    })
    after(() => h.close())

    /** A problem document with `status`, whose type ends in `type`. */
    function assertProblem(res: { status: number; headers: Record<string, unknown>; body: any }, status: number, type: string) {
      assert.equal(res.status, status, JSON.stringify(res.body))
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      assert.equal(res.body.status, status)
      assert.equal(res.body.type, `urn:roster:problem:${type}`)
      assert.equal(typeof res.body.title, 'string')
      assert.ok(res.body.detail.length > 10, res.body.detail)
    }

    test('an unknown field is a 400 that names it', async () => {
      const res = await h.admin('POST', `${acme}/accounts`, { login: 'ann', dispalyName: 'Ann' })
      assertProblem(res, 400, 'validation')
      assert.deepEqual(res.body.errors, [{ path: '/body/dispalyName', message: "'dispalyName' is not a field of this request" }])
      assert.match(res.body.detail, /dispalyName/)
      assert.equal((await h.admin('GET', `${acme}/accounts?search=ann`)).body.items.length, 0, 'nothing was created')
    })

    test('a value of the wrong type is a 400 naming the field; body values are never coerced', async () => {
      const cases: [string, string, unknown, string][] = [
        ['POST', '/tenants', { kind: 'organization', slug: 5 }, '/body/slug'],
        ['POST', `${acme}/scim-tokens`, { expiresInDays: 'ten' }, '/body/expiresInDays'],
        ['POST', `${acme}/scim/disable`, { dryRun: 'true' }, '/body/dryRun'],
        ['POST', `${acme}/accounts`, { login: 'bob', roles: 'user' }, '/body/roles'],
        ['PATCH', `${acme}/settings`, { invitationDays: 1000 }, '/body/invitationDays'],
        ['POST', '/tenants', { kind: 'team', slug: 'x' }, '/body/kind'],
      ]
      for (const [method, path, body, field] of cases) {
        const res = await h.admin(method as 'POST', path, body)
        assertProblem(res, 400, 'validation')
        assert.equal(res.body.errors[0].path, field, JSON.stringify(res.body))
      }
      const settings = (await h.admin('GET', acme)).body.settings
      assert.equal(settings.scimEnabled, true, 'the dry run given as text did not run as a real one')
    })

    test('each fault once, in words: alternatives merged, allowed values named, every fault listed', async () => {
      const nullable = await h.admin('POST', '/tenants', { kind: 'enterprise', slug: 'x', shortCode: 5 })
      assert.deepEqual(nullable.body.errors, [{ path: '/body/shortCode', message: 'must be string or null' }])
      const several = await h.admin('POST', '/tenants', { kind: 'team', slugg: 'x' })
      assert.deepEqual(several.body.errors, [
        { path: '/body', message: "the field 'slug' is required" },
        { path: '/body/slugg', message: "'slugg' is not a field of this request" },
        { path: '/body/kind', message: 'must be one of "organization", "enterprise"' },
      ])
      assert.match(several.body.detail, /and 2 more faults/)
    })

    test('a missing field, a body that is not an object, and an empty body where fields are required', async () => {
      const missing = await h.admin('POST', `${acme}/accounts`, {})
      assertProblem(missing, 400, 'validation')
      assert.match(missing.body.errors[0].message, /'login' is required/)
      assertProblem(await h.admin('POST', `${acme}/accounts`, [{ login: 'x' }]), 400, 'validation')
      assertProblem(await h.admin('POST', `${acme}/accounts`, ''), 400, 'validation')
    })

    test('query parameters out of range or of the wrong kind', async () => {
      for (const query of ['limit=0', 'limit=501', 'limit=ten', 'state=gone', 'scimManaged=perhaps']) {
        const res = await h.admin('GET', `${acme}/accounts?${query}`)
        assertProblem(res, 400, 'validation')
        assert.match(res.body.errors[0].path, /^\/query\//, query)
      }
    })

    test('bad JSON, a forbidden key, another media type', async () => {
      const bad = await h.admin('POST', `${acme}/accounts`, '{"login": ')
      assertProblem(bad, 400, 'invalid-syntax')
      assert.match(bad.body.detail, /not valid JSON/)
      assertProblem(await h.admin('POST', `${acme}/accounts`, '{"login":"x","__proto__":{"a":1}}'), 400, 'invalid-syntax')
      const scimJson = await h.raw({
        method: 'POST',
        url: `/admin/v1${acme}/accounts`,
        headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ login: 'x' }),
      })
      assertProblem(scimJson, 415, 'unsupported-media-type')
      assert.match(scimJson.body.detail, /application\/json/)
    })

    test('unknown tenants, accounts, teams, invitations, messages and templates: 404', async () => {
      const id = '00000000-0000-4000-8000-000000000000'
      for (const path of [
        '/tenants/organization:nobody',
        `/tenants/${id}/accounts`,
        `${acme}/accounts/${id}`,
        `${acme}/accounts/${id}/sessions`,
        `${acme}/teams/${id}`,
        `${acme}/teams/${id}/members`,
        `${acme}/outbox/${id}`,
        `${acme}/email-templates/farewell`,
      ]) {
        assertProblem(await h.admin('GET', path), 404, 'not-found')
      }
      assertProblem(await h.admin('POST', `${acme}/invitations/${id}/resend`), 404, 'not-found')
      assertProblem(await h.admin('POST', `${acme}/accounts/${id}/suspend`), 404, 'not-found')
      assertProblem(await h.admin('DELETE', `${acme}/scim-tokens/${id}`), 404, 'not-found')
      assertProblem(await h.admin('PUT', `${acme}/email-templates/farewell`, { subject: 's', text: 't', html: 'h' }), 404, 'not-found')
    })

    test('ids no store can hold, or longer than any id, are unknown ids, not faults', async () => {
      for (const path of [`${acme}/accounts/a%00b`, `${acme}/teams/a%00b`, `${acme}/outbox/a%00b`, '/tenants/organization:a%00b', '/tenants/a%00b']) {
        assertProblem(await h.admin('GET', path), 404, 'not-found')
      }
      assertProblem(await h.admin('GET', `${acme}/accounts/${'x'.repeat(300)}`), 404, 'not-found')
      // Found before routing, and still a problem document.
      const undecodable = await h.admin('GET', `${acme}/teams/%ED%A0%80`)
      assertProblem(undecodable, 400, 'bad-request')
      assert.match(undecodable.body.detail, /percent-encoded/)
    })

    test('text no store can keep is refused before any store sees it, on both stores alike', async () => {
      const team = (await h.admin('POST', `${acme}/teams`, { name: 'guarded' })).body
      for (const [method, path, body] of [
        ['POST', `${acme}/teams`, { name: 'a\u0000b' }],
        ['POST', `${acme}/teams`, { name: 'ok', description: 'a\ud800b' }],
        ['POST', `${acme}/sessions/verify`, { secret: '\u0000' }],
        ['GET', `${acme}/accounts?search=a%00`, undefined],
        ['GET', `${acme}/teams?groupId=%00`, undefined],
      ] as const) {
        const res = await h.admin(method, path, body)
        assertProblem(res, 400, 'invalid-value')
        assert.match(res.body.detail, /cannot be stored/)
      }
      assertProblem(await h.admin('DELETE', `${acme}/teams/${team.id}/members/a%00b`), 404, 'not-found')
    })

    test('unknown routes and methods under /admin/v1: 404 problem', async () => {
      assertProblem(await h.admin('GET', '/nothing/here'), 404, 'not-found')
      assertProblem(await h.admin('PUT', '/tenants'), 404, 'not-found')
      assertProblem(await h.admin('GET', '/nothing', undefined, null), 404, 'not-found')
    })

    test("the domain's errors keep their status, and their scimType names the problem", async () => {
      const slug = await h.admin('POST', '/tenants', { kind: 'organization', slug: 'Not A Slug' })
      assertProblem(slug, 400, 'invalid-value')
      assert.match(slug.body.detail, /not a valid slug/)
      assertProblem(await h.admin('POST', '/tenants', { kind: 'organization', slug: 'acme' }), 409, 'uniqueness')
      const shortCode = await h.admin('PATCH', `${acme}/settings`, { shortCode: 'OTHER' })
      assertProblem(shortCode, 400, 'invalid-value')
      assert.match(shortCode.body.detail, /fixed when the tenant is created/)
    })
  })
}
