/**
 * The admin UI's sessions over HTTP, on every store: cookie flags, CSRF on state changes, idle
 * and absolute expiry on a clock the test moves, the admin token's revocation and scope.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import { ADMIN_PREFIX, adminApi } from '../../../src/http/admin/index.js'
import { issueAdminToken, revokeAdminToken } from '../../../src/provisioning/admin-tokens.js'
import { createTenant } from '../../../src/provisioning/tenants.js'
import { issueToken } from '../../../src/provisioning/tokens.js'
import type { Store } from '../../../src/store/contract.js'
import { STORES } from '../../helpers/harness.js'

const MINUTE = 60_000
const START = Date.parse('2026-03-01T09:00:00.000Z')

interface Reply {
  status: number
  headers: Record<string, unknown>
  body: any
  cookie: string | undefined
}

for (const { name, open } of STORES) {
  describe(`admin API sessions [${name}]`, () => {
    let store: Store
    let app: FastifyInstance
    let clock = START
    let instanceToken: string

    before(async () => {
      store = await open()
      await store.migrate()
      // trustProxy: a request forwarded over TLS says so in X-Forwarded-Proto.
      app = Fastify({ trustProxy: true })
      await app.register(adminApi, { prefix: ADMIN_PREFIX, store, now: () => clock })
      await app.ready()
      instanceToken = (await issueAdminToken(store, { now: new Date(START) })).token
      await createTenant(store, 'organization', 'acme')
      await createTenant(store, 'enterprise', 'globex')
    })
    after(async () => {
      await app.close()
      await store.close()
    })

    async function call(method: InjectOptions['method'], path: string, options: { body?: unknown; cookie?: string; csrf?: string; bearer?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
      const res = await app.inject({
        method,
        url: ADMIN_PREFIX + path,
        headers: {
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
          ...(options.cookie !== undefined && { cookie: `other=1; roster_session=${options.cookie}` }),
          ...(options.csrf !== undefined && { 'x-csrf-token': options.csrf }),
          ...(options.bearer !== undefined && { authorization: `Bearer ${options.bearer}` }),
          ...options.headers,
        },
        ...(options.body !== undefined && { payload: JSON.stringify(options.body) }),
      })
      const setCookie = res.headers['set-cookie']
      return {
        status: res.statusCode,
        headers: res.headers,
        body: res.body ? JSON.parse(res.body) : undefined,
        cookie: Array.isArray(setCookie) ? setCookie[0] : setCookie,
      }
    }

    /** Signs in with `token`; the cookie's secret and the CSRF token. */
    async function signIn(token = instanceToken, headers: Record<string, string> = {}) {
      const res = await call('POST', '/session', { body: { token }, headers })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const secret = /^roster_session=([^;]+)/.exec(res.cookie ?? '')?.[1]
      assert.ok(secret, `a session cookie: ${res.cookie}`)
      return { secret, csrf: res.body.csrfToken as string, res }
    }

    test('signing in sets an HttpOnly, SameSite=Lax cookie for the whole site; Secure when the request came over TLS', async () => {
      clock = START
      const { res, secret } = await signIn()
      assert.match(res.cookie!, /; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/)
      assert.doesNotMatch(res.cookie!, /Secure/)
      assert.equal(res.headers['cache-control'], 'no-store')
      assert.equal(res.body.tenant, null)
      assert.equal(res.body.expiresAt, new Date(START + 12 * 60 * MINUTE).toISOString())
      assert.equal(res.body.idleExpiresAt, new Date(START + 30 * MINUTE).toISOString())
      assert.ok(!JSON.stringify(res.body).includes(secret), 'the secret is only in the cookie')

      const tls = await signIn(instanceToken, { 'x-forwarded-proto': 'https' })
      assert.match(tls.res.cookie!, /; HttpOnly; SameSite=Lax; Secure$/)
    })

    test('only the SHA-256 of the session secret is stored', async () => {
      const { secret } = await signIn()
      const hash = createHash('sha256').update(secret).digest('hex')
      const found = await store.adminSessions.byHash(hash)
      assert.ok(found)
      assert.equal(found.session.hash, hash)
      assert.ok(!JSON.stringify(found.session).includes(secret))
    })

    test('a bad token, a SCIM token or none is refused with a problem document, and no cookie', async () => {
      const scimToken = (await issueToken(store, (await store.findTenant('organization', 'acme'))!)).token
      for (const token of ['roster_admin_nope', scimToken, instanceToken.slice(0, -1) + (instanceToken.endsWith('A') ? 'B' : 'A')]) {
        const res = await call('POST', '/session', { body: { token } })
        assert.equal(res.status, 401, token)
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
        assert.equal(res.cookie, undefined)
      }
      const scim = await call('POST', '/session', { body: { token: scimToken } })
      assert.match(scim.body.detail, /looks like a SCIM token/)
      const missing = await call('POST', '/session', { body: {} })
      assert.equal(missing.status, 400)
      assert.match(JSON.stringify(missing.body.errors), /token/)
    })

    test('the cookie authenticates the admin API; changes need the CSRF header, compared exactly', async () => {
      clock = START
      const { secret, csrf } = await signIn()
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 200)
      const info = await call('GET', '/session', { cookie: secret })
      assert.equal(info.status, 200)
      assert.equal(info.body.csrfToken, csrf)

      const body = { kind: 'organization', slug: 'initech' }
      const none = await call('POST', '/tenants', { cookie: secret, body })
      assert.equal(none.status, 403)
      assert.match(none.body.detail, /x-csrf-token/)
      const other = await signIn()
      const wrong = await call('POST', '/tenants', { cookie: secret, csrf: other.csrf, body })
      assert.equal(wrong.status, 403, "another session's token")
      assert.equal((await call('PATCH', '/tenants/organization:acme/settings', { cookie: secret, body: { keepEmail: true } })).status, 403)
      assert.equal((await call('DELETE', '/session', { cookie: secret })).status, 403)
      assert.equal((await store.findTenant('organization', 'initech')), undefined, 'nothing was created')

      const done = await call('POST', '/tenants', { cookie: secret, csrf, body })
      assert.equal(done.status, 201, JSON.stringify(done.body))
      // Bearer tokens are unaffected: no cookie, no CSRF.
      assert.equal((await call('POST', '/tenants', { bearer: instanceToken, body: { kind: 'organization', slug: 'hooli' } })).status, 201)
      // A bearer token wins over a cookie sent with it.
      assert.equal((await call('POST', '/tenants', { bearer: instanceToken, cookie: 'roster_session_bogus', body: { kind: 'organization', slug: 'umbrella' } })).status, 201)
    })

    test('a request without a session gets 401 from the session endpoint; a bad cookie too', async () => {
      assert.equal((await call('GET', '/session', { bearer: instanceToken })).status, 401)
      assert.equal((await call('GET', '/session')).status, 401)
      assert.equal((await call('GET', '/tenants', { cookie: 'roster_session_forged' })).status, 401)
      assert.equal((await call('GET', '/tenants', { cookie: `roster_session_${'a'.repeat(43)}` })).status, 401)
    })

    test('idle sessions end after 30 minutes; use slides the limit', async () => {
      clock = START
      const { secret } = await signIn()
      clock += 29 * MINUTE
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 200)
      clock += 29 * MINUTE
      const info = await call('GET', '/session', { cookie: secret })
      assert.equal(info.status, 200, 'used 29 minutes ago: still alive')
      assert.equal(info.body.idleExpiresAt, new Date(clock + 30 * MINUTE).toISOString())
      clock += 30 * MINUTE
      const ended = await call('GET', '/tenants', { cookie: secret })
      assert.equal(ended.status, 401)
      assert.match(ended.body.detail, /session has ended/)
      clock -= 10 * MINUTE
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 401, 'an ended session stays ended')
    })

    test('however busy, a session ends 12 hours after sign-in', async () => {
      clock = START
      const { secret } = await signIn()
      for (let used = 0; used < 12 * 60 - 20; used += 20) {
        clock += 20 * MINUTE
        assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 200, `after ${used + 20} minutes`)
      }
      clock = START + 12 * 60 * MINUTE
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 401)
    })

    test('a session never outlives its admin token', async () => {
      clock = START
      const { token } = await issueAdminToken(store, { expiresInDays: 1, now: new Date(START - 23 * 60 * MINUTE) })
      const { res, secret } = await signIn(token)
      assert.equal(res.body.expiresAt, new Date(START + 60 * MINUTE).toISOString())
      clock += 25 * MINUTE
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 200)
      clock += 25 * MINUTE
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 200)
      clock += 25 * MINUTE
      assert.equal((await call('GET', '/tenants', { cookie: secret })).status, 401)
    })

    test('revoking the admin token ends its sessions at once', async () => {
      clock = START
      const issued = await issueAdminToken(store, { name: 'doomed' })
      const a = await signIn(issued.token)
      const b = await signIn(issued.token)
      assert.equal((await call('GET', '/tenants', { cookie: a.secret })).status, 200)
      await revokeAdminToken(store, issued.record.id)
      assert.equal((await call('GET', '/tenants', { cookie: a.secret })).status, 401)
      assert.equal((await call('GET', '/session', { cookie: b.secret })).status, 401)
      const left = await store.adminSessions.byHash(createHash('sha256').update(b.secret).digest('hex'))
      assert.equal(left, undefined, 'its sessions are deleted')
    })

    test("a tenant's session reaches that tenant only, as its token does", async () => {
      clock = START
      const acme = (await store.findTenant('organization', 'acme'))!
      const { token } = await issueAdminToken(store, { tenant: acme })
      const { secret, csrf, res } = await signIn(token)
      assert.equal(res.body.tenant, 'organization:acme')
      const listed = await call('GET', '/tenants', { cookie: secret })
      assert.deepEqual(listed.body.items.map((t: { key: string }) => t.key), ['organization:acme'])
      assert.equal((await call('GET', '/tenants/organization:acme', { cookie: secret })).status, 200)
      const other = await call('GET', '/tenants/enterprise:globex', { cookie: secret })
      assert.equal(other.status, 404)
      assert.equal((await call('GET', '/tenants/enterprise:globex/scim-users', { cookie: secret })).status, 404)
      assert.equal((await call('POST', '/tenants', { cookie: secret, csrf, body: { kind: 'organization', slug: 'sneaky' } })).status, 403)
      assert.equal((await call('PATCH', '/tenants/enterprise:globex/settings', { cookie: secret, csrf, body: { keepEmail: true } })).status, 404)
    })

    test('signing in again replaces the session the browser had', async () => {
      clock = START
      const first = await signIn()
      const again = await call('POST', '/session', { body: { token: instanceToken }, cookie: first.secret })
      assert.equal(again.status, 201)
      assert.equal((await call('GET', '/session', { cookie: first.secret })).status, 401)
      const secret = /^roster_session=([^;]+)/.exec(again.cookie!)![1]!
      assert.equal((await call('GET', '/session', { cookie: secret })).status, 200)
    })

    test('signing out deletes the session and clears the cookie', async () => {
      clock = START
      const { secret, csrf } = await signIn()
      const out = await call('DELETE', '/session', { cookie: secret, csrf })
      assert.equal(out.status, 204)
      assert.match(out.cookie!, /^roster_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/)
      assert.equal((await call('GET', '/session', { cookie: secret })).status, 401)
      assert.equal(await store.adminSessions.byHash(createHash('sha256').update(secret).digest('hex')), undefined)
    })
  })
}
