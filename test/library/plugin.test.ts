import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { createRoster, createTenant, issueAdminToken, issueToken, RosterOptionError, type Roster } from '../../src/index.js'
import { user } from '../helpers/harness.js'
import { DATABASES, type Database } from './databases.js'

/** A host with its own routes, parsers, error and not-found handlers, all of which Roster must leave alone. */
function hostApp(): FastifyInstance {
  const host = Fastify()
  host.removeContentTypeParser('application/json')
  host.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    done(null, { parsedByHost: true, text: body })
  })
  host.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, { anything: body }))
  host.setErrorHandler((error, _request, reply) => reply.code(418).send({ hostError: (error as Error).message }))
  host.setNotFoundHandler((_request, reply) => reply.code(404).send({ hostNotFound: true }))
  host.post('/echo', async (request) => ({ body: request.body }))
  host.get('/boom', async () => {
    throw new Error('host route failed')
  })
  return host
}

const scimHeaders = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' })

for (const { name, create } of DATABASES) {
  describe(`createRoster: the plugin in a host application [${name}]`, () => {
    let db: Database
    let roster: Roster
    let token: string
    before(async () => {
      db = await create()
      roster = await createRoster({ databaseUrl: db.url, publicUrl: 'https://app.example/' })
      await roster.migrate()
      const tenant = await createTenant(roster.store, 'organization', 'acme')
      token = (await issueToken(roster.store, tenant)).token
    })
    after(async () => {
      await roster.close()
      await db.drop()
    })

    test('under a prefix: SCIM works, meta.location holds the prefix, and the host keeps its parsers and handlers', async () => {
      const host = hostApp()
      await host.register(roster.plugin, { prefix: '/provisioning' })
      try {
        const base = '/provisioning/scim/v2/organizations/acme'
        const created = await host.inject({ method: 'POST', url: `${base}/Users`, headers: scimHeaders(token), payload: user('ann@acme.example') })
        assert.equal(created.statusCode, 201, created.body)
        const body = created.json()
        assert.equal(body.meta.location, `https://app.example${base}/Users/${body.id}`)
        assert.equal(created.headers.location, body.meta.location)
        const spc = await host.inject({ method: 'GET', url: `${base}/ServiceProviderConfig`, headers: { authorization: `Bearer ${token}` } })
        assert.equal(spc.json().meta.location, `https://app.example${base}/ServiceProviderConfig`)

        // Roster's parser: malformed JSON is a SCIM 400, not the host's parser's result or error.
        const bad = await host.inject({ method: 'POST', url: `${base}/Users`, headers: scimHeaders(token), payload: '{"userName":' })
        assert.equal(bad.statusCode, 400)
        assert.equal(bad.json().scimType, 'invalidSyntax')
        const json = await host.inject({
          method: 'POST',
          url: `${base}/Users`,
          headers: { ...scimHeaders(token), 'content-type': 'application/json' },
          payload: user('bob@acme.example'),
        })
        assert.equal(json.statusCode, 201, json.body)
        // The host's catch-all parser does not reach SCIM: other media types are 415.
        const text = await host.inject({ method: 'POST', url: `${base}/Users`, headers: { ...scimHeaders(token), 'content-type': 'text/plain' }, payload: 'x' })
        assert.equal(text.statusCode, 415)
        assert.deepEqual(text.json().schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
        // Unknown paths under the prefix are SCIM's 404; a wrong token SCIM's 401.
        const unknown = await host.inject({ method: 'GET', url: '/provisioning/nothing' })
        assert.equal(unknown.statusCode, 404)
        assert.equal(unknown.json().status, '404')
        const refused = await host.inject({ method: 'GET', url: `${base}/Users`, headers: { authorization: 'Bearer nope' } })
        assert.equal(refused.statusCode, 401)
        assert.equal(refused.json().status, '401')
        assert.ok(refused.headers['x-request-id'])
        // The admin API is off unless asked for.
        assert.equal((await host.inject({ method: 'GET', url: '/provisioning/admin/v1/tenants' })).statusCode, 404)

        // The host's own routes: its parsers, its error handler, its not-found handler.
        const echo = await host.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
        assert.deepEqual(echo.json(), { body: { parsedByHost: true, text: '{"a":1}' } })
        const other = await host.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/csv' }, payload: 'a,b' })
        assert.deepEqual(other.json(), { body: { anything: 'a,b' } })
        const boom = await host.inject({ method: 'GET', url: '/boom' })
        assert.equal(boom.statusCode, 418)
        assert.deepEqual(boom.json(), { hostError: 'host route failed' })
        const missing = await host.inject({ method: 'GET', url: '/nothing' })
        assert.deepEqual([missing.statusCode, missing.json()], [404, { hostNotFound: true }])
        const badHostJson = await host.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{' })
        assert.deepEqual(badHostJson.json(), { body: { parsedByHost: true, text: '{' } })
      } finally {
        await host.close()
      }
    })

    test('without a prefix: SCIM at the root of the host, beside its routes and its not-found handler', async () => {
      const host = hostApp()
      await host.register(roster.plugin)
      try {
        const base = '/scim/v2/organizations/acme'
        const created = await host.inject({ method: 'POST', url: `${base}/Users`, headers: scimHeaders(token), payload: user('carol@acme.example') })
        assert.equal(created.statusCode, 201, created.body)
        assert.equal(created.json().meta.location, `https://app.example${base}/Users/${created.json().id}`)
        const listed = await host.inject({ method: 'GET', url: `${base}/Users?filter=userName eq "carol@acme.example"`, headers: { authorization: `Bearer ${token}` } })
        assert.equal(listed.json().totalResults, 1)
        const bad = await host.inject({ method: 'POST', url: `${base}/Users`, headers: scimHeaders(token), payload: '[' })
        assert.equal(bad.json().scimType, 'invalidSyntax')
        // Paths Roster does not serve are the host's.
        assert.deepEqual((await host.inject({ method: 'GET', url: '/nothing' })).json(), { hostNotFound: true })
        const echo = await host.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{}' })
        assert.deepEqual(echo.json(), { body: { parsedByHost: true, text: '{}' } })
        assert.equal((await host.inject({ method: 'GET', url: '/boom' })).statusCode, 418)
      } finally {
        await host.close()
      }
    })

    test('the admin API when asked for, under the prefix, its OpenAPI document naming where it is', async () => {
      const withAdmin = await createRoster({ databaseUrl: db.url, adminApi: true })
      const host = hostApp()
      await host.register(withAdmin.plugin, { prefix: '/provisioning' })
      try {
        const refused = await host.inject({ method: 'GET', url: '/provisioning/admin/v1/tenants' })
        assert.equal(refused.statusCode, 401)
        assert.match(String(refused.headers['content-type']), /application\/problem\+json/)
        const { token: admin } = await issueAdminToken(withAdmin.store)
        const listed = await host.inject({ method: 'GET', url: '/provisioning/admin/v1/tenants', headers: { authorization: `Bearer ${admin}` } })
        assert.equal(listed.statusCode, 200, listed.body)
        assert.ok(listed.json().items.some((t: { slug: string }) => t.slug === 'acme'))
        // Admin bodies are plain JSON through the admin API's own parser, not SCIM's or the host's.
        const bad = await host.inject({
          method: 'POST',
          url: '/provisioning/admin/v1/tenants',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          payload: '{',
        })
        assert.equal(bad.statusCode, 400)
        assert.match(String(bad.headers['content-type']), /application\/problem\+json/)
        const openapi = await host.inject({ method: 'GET', url: '/provisioning/admin/v1/openapi.json' })
        assert.deepEqual(openapi.json().servers, [{ url: '/provisioning/admin/v1' }])
        // Without publicUrl, locations come from the request's Host.
        const created = await host.inject({
          method: 'POST',
          url: '/provisioning/scim/v2/organizations/acme/Users',
          headers: { ...scimHeaders(token), host: 'hr.example:8443' },
          payload: user('dan@acme.example'),
        })
        assert.equal(created.json().meta.location, `http://hr.example:8443/provisioning/scim/v2/organizations/acme/Users/${created.json().id}`)
      } finally {
        await host.close()
        await withAdmin.close()
      }
    })
  })
}

describe('createRoster: options a host gets wrong are refused at once, by name', () => {
  test('databaseUrl, publicUrl, and onEvent names, types and handlers', async () => {
    await assert.rejects(createRoster({ databaseUrl: '' }), (e: Error) => e instanceof RosterOptionError && /databaseUrl/.test(e.message))
    await assert.rejects(createRoster({ databaseUrl: 'mysql://x/y' }), /unsupported database URL scheme 'mysql:'/)
    await assert.rejects(createRoster({ databaseUrl: ':memory:', publicUrl: 'app.example' }), (e: Error) => e instanceof RosterOptionError && /publicUrl/.test(e.message))
    const roster = await createRoster({ databaseUrl: ':memory:' })
    try {
      assert.throws(() => roster.onEvent(() => undefined, { consumer: '' }), /consumer must be a name/)
      assert.throws(() => roster.onEvent(() => undefined, { consumer: 'x', types: ['user.create' as 'user.created'] }), /'user.create' is not an event type/)
      assert.throws(() => roster.onEvent(undefined as never, { consumer: 'x' }), /handler of consumer 'x' must be a function/)
      roster.onEvent(() => undefined, { consumer: 'x' })
      assert.throws(() => roster.onEvent(() => undefined, { consumer: 'x' }), /consumer 'x' exists already/)
    } finally {
      await roster.close()
    }
  })
})
