import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { STORES, group, user } from '../../helpers/harness.js'
import { startAdmin, type AdminHarness } from './admin-harness.js'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

const COMPONENT = '#/components/schemas/'
const ID = 'urn:roster:test:schema:'

/** `schema` with references to components made references to the ids they are added under. */
function rewritten(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewritten)
  if (schema === null || typeof schema !== 'object') return schema
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENT) ? ID + v.slice(COMPONENT.length) : rewritten(v)]),
  )
}

/** Checks real responses against the response schemas of the OpenAPI document, and counts the operations checked. */
class Conformance {
  readonly ajv = new Ajv2020({ strict: true, allErrors: true, formats: { 'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ } })
  readonly checked = new Set<string>()

  constructor(readonly doc: any) {
    for (const [name, schema] of Object.entries(doc.components.schemas)) this.ajv.addSchema(rewritten(schema) as object, ID + name)
  }

  operations(): string[] {
    return Object.entries(this.doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    )
  }

  check(method: Method, template: string, res: { status: number; headers: Record<string, unknown>; body: unknown; text: string }) {
    const operation = this.doc.paths[template]?.[method.toLowerCase()]
    assert.ok(operation, `${method} ${template} is in the document`)
    const response = operation.responses[String(res.status)] ?? operation.responses.default
    assert.ok(response, `${method} ${template} documents ${res.status}`)
    if (!response.content) {
      assert.equal(res.text, '', `${method} ${template} ${res.status} has no body`)
    } else {
      const type = String(res.headers['content-type']).split(';')[0]!
      const media = response.content[type]
      assert.ok(media, `${method} ${template} ${res.status} documents ${type}`)
      const validate = this.ajv.compile(rewritten(media.schema) as object)
      assert.ok(validate(res.body), `${method} ${template} ${res.status}: ${this.ajv.errorsText(validate.errors)}\n${res.text}`)
    }
    this.checked.add(`${method} ${template}`)
  }
}

for (const { name, open } of STORES) {
  describe(`admin API: the OpenAPI document describes the real responses [${name}]`, () => {
    let h: AdminHarness
    let doc: any
    let conformance: Conformance
    before(async () => {
      h = await startAdmin(open)
      doc = (await h.admin('GET', '/openapi.json', undefined, null)).body
      conformance = new Conformance(doc)
    })
    after(() => h.close())

    /**
     * Calls `template` with its parameters filled in, and checks the answer against the
     * document; a success unless another status is expected (a 500 is a problem document too).
     */
    async function call(method: Method, template: string, params: Record<string, string> = {}, body?: unknown, status?: number) {
      const path = template.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p] ?? 'organization:acme'))
      const res = await h.admin(method, path, body)
      if (status === undefined) assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.text}`)
      else assert.equal(res.status, status, `${method} ${path}: ${res.text}`)
      conformance.check(method, template, res)
      return res
    }

    test('an OpenAPI 3.1 document with bearer security, generated from the routes', () => {
      assert.equal(doc.openapi, '3.1.0')
      assert.deepEqual(doc.components.securitySchemes.bearer, { ...doc.components.securitySchemes.bearer, type: 'http', scheme: 'bearer' })
      assert.deepEqual(doc.security, [{ bearer: [] }, { session: [] }])
      assert.ok(!('/openapi.json' in doc.paths))
      assert.equal(doc.paths['/tenants'].post.requestBody.required, true)
      assert.equal(doc.paths['/tenants/{t}/scim/disable'].post.requestBody.required, false, 'a body of optional fields may be left out')
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        for (const [method, op] of Object.entries(ops)) {
          const body = op.requestBody?.content?.['application/json']?.schema
          if (body) assert.equal(body.additionalProperties, false, `${method} ${path}: unknown fields are refused`)
          assert.ok(op.responses.default.content['application/problem+json'], `${method} ${path} documents its errors`)
        }
      }
    })

    test('every operation, called for real, answers as the document says', async () => {
      const g = { t: 'enterprise:globex' }
      const { scimToken } = await h.enterprise('globex')
      const scim = (path: string, body: unknown) => h.scimAs(scimToken, 'POST', `/scim/v2/enterprises/globex${path}`, body)
      const u1 = (await scim('/Users', user('quinn@globex.example', { emails: [{ value: 'quinn@globex.example', primary: true }] }))).body
      const scimGroup = (await scim('/Groups', group('devs', { members: [{ value: u1.id }] }))).body
      await h.scim('POST', '/Users', user('rosa@acme.example', { emails: [{ value: 'rosa@acme.example', primary: true }] }))
      await h.scim('POST', '/Users', user('sam@acme.example', { emails: [{ value: 'sam@acme.example', primary: true }] }))

      // Tenants
      await call('GET', '/tenants')
      await call('POST', '/tenants', {}, { kind: 'organization', slug: 'stark' })
      await call('GET', '/tenants/{t}')
      await call('PATCH', '/tenants/{t}/settings', {}, { invitationDays: 10 })
      await call('PATCH', '/tenants/{t}/settings', {}, { rateLimits: { profile: 'custom', token: { requests: 100, per: 'second', burst: 200 }, tenant: null } })
      await call('PATCH', '/tenants/{t}/settings', {}, { rateLimits: { profile: 'server' } })
      await call('POST', '/tenants/{t}/scim/disable', { t: 'organization:stark' }, { dryRun: true })
      await call('POST', '/tenants/{t}/scim/disable', { t: 'organization:stark' })
      await call('POST', '/tenants/{t}/scim/enable', { t: 'organization:stark' }, { dryRun: true })
      await call('POST', '/tenants/{t}/scim/enable', { t: 'organization:stark' })

      // SCIM tokens
      const scimTokenIssued = (await call('POST', '/tenants/{t}/scim-tokens', {}, { name: 'doc' })).body
      await call('GET', '/tenants/{t}/scim-tokens')
      await call('DELETE', '/tenants/{t}/scim-tokens/{id}', { id: scimTokenIssued.id })

      // Accounts
      const account = (await call('POST', '/tenants/{t}/accounts', {}, { login: 'tess', emails: ['tess@acme.example'] })).body
      const a = { id: account.id }
      await call('GET', '/tenants/{t}/accounts', {}, undefined)
      await call('GET', '/tenants/{t}/accounts/{id}', a)
      await call('PATCH', '/tenants/{t}/accounts/{id}', a, { displayName: 'Tess', roles: ['user', 'billing_manager'] })
      await call('POST', '/tenants/{t}/accounts/{id}/suspend', a)
      await call('POST', '/tenants/{t}/accounts/{id}/unsuspend', a)

      // Sessions and personal access tokens
      const session = (await call('POST', '/tenants/{t}/accounts/{id}/sessions', a, { name: 's' })).body
      const pat = (await call('POST', '/tenants/{t}/accounts/{id}/tokens', a, { expiresInDays: 7 })).body
      await call('GET', '/tenants/{t}/accounts/{id}/sessions', a)
      await call('GET', '/tenants/{t}/accounts/{id}/tokens', a)
      await call('POST', '/tenants/{t}/sessions/verify', {}, { secret: session.secret })
      await call('POST', '/tenants/{t}/tokens/verify', {}, { secret: pat.secret })
      await call('DELETE', '/tenants/{t}/accounts/{id}/sessions/{sid}', { ...a, sid: session.id })
      await call('DELETE', '/tenants/{t}/accounts/{id}/tokens/{tid}', { ...a, tid: pat.id })
      await call('POST', '/tenants/{t}/sessions/verify', {}, { secret: session.secret }, 401)

      // Identities and invitations
      await call('GET', '/tenants/{t}/identities')
      const invitations = (await call('GET', '/tenants/{t}/invitations', {}, undefined)).body.items
      const [rosa, sam] = invitations
      await call('POST', '/tenants/{t}/invitations/{id}/resend', { id: rosa.id })
      await call('POST', '/tenants/{t}/invitations/{id}/accept', { id: rosa.id })
      const outbox = (await call('GET', '/tenants/{t}/outbox')).body.items
      const samMail = outbox.find((m: { invitationId: string }) => m.invitationId === sam.id)
      const samText = (await call('GET', '/tenants/{t}/outbox/{id}', { id: samMail.id })).body.text
      const code = /roster_inv_[A-Za-z0-9_-]+/.exec(samText)![0]
      await call('POST', '/tenants/{t}/invitations/accept', {}, { token: code })

      // Outbox
      const now = new Date()
      for (const m of await h.store.outboxDelivery.claim(now.toISOString(), new Date(now.getTime() + 60_000).toISOString(), 100)) {
        const tenant = (await h.store.getTenant(m.tenantId))!
        await h.store.forTenant(tenant).transaction((tx) => tx.outbox.settle(m.id, { state: 'failed', error: 'refused' }))
      }
      await call('POST', '/tenants/{t}/outbox/{id}/retry', { id: samMail.id })

      // Email templates
      await call('GET', '/tenants/{t}/email-templates')
      await call('PUT', '/tenants/{t}/email-templates/{name}', { name: 'welcome' }, { subject: 'Hi {{login}}', text: 't', html: 'h' })
      await call('GET', '/tenants/{t}/email-templates/{name}', { name: 'welcome' })
      await call('DELETE', '/tenants/{t}/email-templates/{name}', { name: 'welcome' })

      // Provisioning log: writes with their diffs, and a failure.
      await scim('/Users', user('quinn@globex.example'))
      await call('GET', '/tenants/{t}/provisioning-log', g)
      const logEntry = (await h.admin('GET', '/tenants/enterprise:globex/provisioning-log?limit=1&method=POST')).body.items[0]
      conformance.check('GET', '/tenants/{t}/provisioning-log', await h.admin('GET', `/tenants/enterprise:globex/provisioning-log?after=${logEntry.seq - 1}`))
      await call('GET', '/tenants/{t}/provisioning-log/{seq}', { ...g, seq: String(logEntry.seq) })
      await call('GET', '/tenants/{t}/provisioning-log/{seq}', { ...g, seq: '999999999' }, undefined, 404)
      // Events
      await call('GET', '/tenants/{t}/events', g)

      // Webhooks (port 9 refuses: the ping and redelivery answer with a failed delivery)
      const hook = (await call('POST', '/tenants/{t}/webhooks', g, { url: 'http://127.0.0.1:9/hook', eventTypes: ['user.*'] })).body
      const wh = { ...g, id: hook.id }
      await call('GET', '/tenants/{t}/webhooks', g)
      await call('GET', '/tenants/{t}/webhooks/{id}', wh)
      await call('PATCH', '/tenants/{t}/webhooks/{id}', wh, { enabled: false })
      await call('POST', '/tenants/{t}/webhooks/{id}/rotate-secret', wh)
      await call('POST', '/tenants/{t}/webhooks/{id}/ping', wh)
      await call('POST', '/tenants/{t}/webhooks/{id}/redeliver', wh, { seq: 1 })
      await call('POST', '/tenants/{t}/webhooks/{id}/redeliver', wh, { from: 1 })
      await call('GET', '/tenants/{t}/webhooks/{id}/deliveries', wh)
      await call('GET', '/tenants/{t}/webhooks/{id}/status', wh)
      await call('GET', '/event-types')
      await call('GET', '/tenants/{t}/events/last', g)
      const typed = await h.admin('GET', '/tenants/enterprise:globex/events?type=user.*&limit=5')
      assert.equal(typed.status, 200, typed.text)
      conformance.check('GET', '/tenants/{t}/events', typed)
      await call('DELETE', '/tenants/{t}/webhooks/{id}', wh)

      // Teams
      const team = (await call('POST', '/tenants/{t}/teams', g, { name: 'devs' })).body
      const tm = { ...g, id: team.id }
      await call('GET', '/tenants/{t}/teams', g)
      await call('PATCH', '/tenants/{t}/teams/{id}', tm, { description: 'Developers' })
      const local = (await h.admin('POST', '/tenants/enterprise:globex/accounts', { login: 'ursula' })).body
      await call('PUT', '/tenants/{t}/teams/{id}/members/{accountId}', { ...tm, accountId: local.id })
      await call('DELETE', '/tenants/{t}/teams/{id}/members/{accountId}', { ...tm, accountId: local.id })
      const linkPreview = await h.admin('GET', `/tenants/enterprise:globex/teams/${team.id}/link-preview?groupId=${scimGroup.id}&limit=5`)
      assert.equal(linkPreview.status, 200, linkPreview.text)
      conformance.check('GET', '/tenants/{t}/teams/{id}/link-preview', linkPreview)
      await call('POST', '/tenants/{t}/teams/{id}/link', tm, { groupId: scimGroup.id })
      await call('GET', '/tenants/{t}/teams/{id}/unlink-preview', tm)
      await call('GET', '/tenants/{t}/teams/{id}', tm)
      await call('GET', '/tenants/{t}/teams/{id}/members', tm)
      await call('POST', '/tenants/{t}/teams/{id}/reconcile', tm)
      await call('POST', '/tenants/{t}/teams/{id}/unlink', tm)
      await call('DELETE', '/tenants/{t}/teams/{id}', tm)

      // Deleting an account last: its credentials go with it.
      await call('DELETE', '/tenants/{t}/accounts/{id}', a)

      // The admin UI's reads: tenant health, SCIM users (a bad filter is a problem document too)
      await call('GET', '/tenants/{t}/health', g)
      const listed = await h.admin('GET', '/tenants/enterprise:globex/scim-users?filter=userName%20sw%20%22q%22&sortBy=userName&limit=1')
      assert.equal(listed.status, 200, listed.text)
      assert.equal(listed.body.items[0].userName, 'quinn@globex.example')
      conformance.check('GET', '/tenants/{t}/scim-users', listed)
      const badFilter = await h.admin('GET', '/tenants/enterprise:globex/scim-users?filter=nosuch%20eq%201')
      assert.equal(badFilter.status, 400)
      conformance.check('GET', '/tenants/{t}/scim-users', badFilter)
      await call('GET', '/tenants/{t}/scim-users/{id}', { ...g, id: u1.id })
      // SCIM groups: the list (filtered), one group, its members
      const groups = await h.admin('GET', '/tenants/enterprise:globex/scim-groups?filter=displayName%20eq%20%22devs%22&sortBy=displayName&limit=1')
      assert.equal(groups.status, 200, groups.text)
      assert.equal(groups.body.items[0].id, scimGroup.id)
      conformance.check('GET', '/tenants/{t}/scim-groups', groups)
      await call('GET', '/tenants/{t}/scim-groups/{id}', { ...g, id: scimGroup.id })
      await call('GET', '/tenants/{t}/scim-groups/{id}/members', { ...g, id: scimGroup.id })

      // Login history (the account of the earlier steps was deleted: another one here)
      const historyAccount = (await call('POST', '/tenants/{t}/accounts', {}, { login: 'hal' })).body
      await call('POST', '/tenants/{t}/accounts/{id}/sessions', { id: historyAccount.id }, { name: 'web' })
      await call('GET', '/tenants/{t}/accounts/{id}/login-history', { id: historyAccount.id })

      // The connection test (a dry run; a tenant with SCIM off reports the failing step)
      await call('POST', '/tenants/{t}/connection-test', g, { idp: 'entra' })
      await call('POST', '/tenants/{t}/connection-test', { t: 'organization:stark' }, { idp: 'okta' })

      // Sessions: signed in with a token, then by cookie (with the CSRF header to sign out)
      const signIn = await h.raw({ method: 'POST', url: '/admin/v1/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: h.adminToken }) })
      conformance.check('POST', '/session', signIn)
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!
      const byCookie = (method: Method, csrf?: string) =>
        h.raw({ method, url: '/admin/v1/session', headers: { cookie, ...(csrf !== undefined && { 'x-csrf-token': csrf }) } })
      const uiSession = await byCookie('GET')
      assert.equal(uiSession.status, 200)
      conformance.check('GET', '/session', uiSession)
      const signOut = await byCookie('DELETE', uiSession.body.csrfToken)
      assert.equal(signOut.status, 204)
      conformance.check('DELETE', '/session', signOut)

      const missed = conformance.operations().filter((op) => !conformance.checked.has(op))
      assert.deepEqual(missed, [], 'every operation of the document was called and checked')
    })

    test('error responses are the problem documents the document describes', async () => {
      await call('GET', '/tenants/{t}/accounts/{id}', { id: 'none' }, undefined, 404)
      const invalid = await call('POST', '/tenants/{t}/accounts', {}, { login: 'x', extra: true }, 400)
      assert.ok(invalid.body.errors.length > 0)
      const badCursor = await h.admin('GET', '/tenants/organization:acme/teams?cursor=nope')
      assert.equal(badCursor.status, 400)
      conformance.check('GET', '/tenants/{t}/teams', badCursor)
    })

    test('the check refuses what the document does not describe', () => {
      const json = { 'content-type': 'application/json; charset=utf-8' }
      const wrong = [
        { status: 200, headers: json, body: { id: 'x' }, text: '{"id":"x"}' },
        { status: 200, headers: { 'content-type': 'text/html' }, body: undefined, text: '<p>' },
        { status: 404, headers: json, body: { error: 'gone' }, text: '{"error":"gone"}' },
      ]
      for (const res of wrong) assert.throws(() => conformance.check('GET', '/tenants/{t}', res), assert.AssertionError)
      assert.throws(() => conformance.check('GET', '/tenants/{t}/nothing', wrong[0]!), assert.AssertionError)
    })
  })
}
