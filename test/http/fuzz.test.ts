import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { ENTERPRISE_SCHEMA, group, GROUP_SCHEMA, PATCH_SCHEMA, STORES, startHarness, user, USER_SCHEMA, type Harness, type ScimResponse } from '../helpers/harness.js'

/**
 * Property-based robustness (docs/design.md, *Untrusted input*: every bad request gets a precise
 * SCIM error, never a 500): random filters, bodies and PATCH operations may be refused, but only
 * with a 4xx SCIM error, and a refused write changes nothing.
 */

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
const RUNS = 150

function assertNo5xx(res: ScimResponse, what: string): void {
  assert.ok(res.status < 500, `${what} → ${res.status} ${res.text}`)
  if (res.status >= 400) {
    assert.deepEqual(res.body?.schemas, [ERROR_SCHEMA], `${what} → ${res.text}`)
    assert.equal(res.body.status, String(res.status), what)
  }
}

const FILTER_TOKENS = [
  'userName', 'emails', 'emails.value', 'emails.type', 'name.familyName', 'name', 'meta.created', 'meta.lastModified',
  'active', 'id', 'externalId', 'groups.value', 'title', 'x509Certificates.value', 'password', 'members',
  `${USER_SCHEMA}:userName`, `${ENTERPRISE_SCHEMA}:department`, `${ENTERPRISE_SCHEMA}:manager.value`, 'urn:x:y',
  'eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not', 'AND', 'Eq',
  '(', ')', '[', ']', '.', '"', "'", '\\', ' ', '"x"', '"a b"', '"\\"', '"\\u0041"', "'single'", '""',
  'true', 'false', 'null', '1', '-2.5e3', '1e400', '"2020-01-01T00:00:00Z"', '"2020-13-45"',
  'emails[type eq "work"]', 'emails[type eq "work"].value', 'value', 'type', 'primary', '%', '_', '*', '\u0000', 'ß', '😀',
]

const filterText = fc.oneof(
  fc.array(fc.constantFrom(...FILTER_TOKENS), { maxLength: 12 }).chain((tokens) =>
    fc.constantFrom(' ', '').map((sep) => tokens.join(sep)),
  ),
  fc.array(fc.constantFrom(...FILTER_TOKENS), { maxLength: 8 }).map((t) => t.join(' ')),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(fc.constantFrom('userName', 'emails.value', 'title', 'active', 'meta.created'), fc.constantFrom('eq', 'co', 'gt', 'pr', 'sw'), fc.jsonValue({ maxDepth: 0 }))
    .map(([a, op, v]) => `${a} ${op} ${JSON.stringify(v)}`),
)

const USER_KEYS = [
  'schemas', 'userName', 'USERNAME', 'name', 'displayName', 'emails', 'Emails', 'active', 'password', 'groups', 'id', 'meta',
  'externalId', 'phoneNumbers', 'addresses', 'roles', 'photos', 'x509Certificates', 'title', 'timezone', ENTERPRISE_SCHEMA,
  `${ENTERPRISE_SCHEMA}:department`, 'name.givenName', 'unknownThing',
]

const userBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...USER_KEYS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
  fc
    .record({
      userName: fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
      extra: fc.dictionary(fc.constantFrom(...USER_KEYS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
      schemas: fc.oneof(fc.constant([USER_SCHEMA]), fc.constant([USER_SCHEMA, ENTERPRISE_SCHEMA]), fc.jsonValue({ maxDepth: 1 })),
    })
    .map(({ userName, extra, schemas }) => ({ ...extra, schemas, userName })),
)

const PATCH_PATHS = [
  'title', 'name.givenName', 'name', 'emails', 'emails[type eq "work"].value', 'emails[type eq "work"]', 'emails[value co "@"].primary',
  'members', 'members[value eq "x"]', 'groups', 'id', 'meta.created', 'userName', 'active', 'password', 'x509Certificates',
  `${ENTERPRISE_SCHEMA}:department`, `${ENTERPRISE_SCHEMA}:manager`, ENTERPRISE_SCHEMA, 'emails[', 'a..b', '', 'displayName',
]

const patchOperation = fc.record(
  {
    op: fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'Add', 'REPLACE', 'Remove', 'bogus'), fc.jsonValue({ maxDepth: 0 })),
    path: fc.oneof(fc.constantFrom(...PATCH_PATHS), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.jsonValue({ maxDepth: 0 })),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.constantFrom(...USER_KEYS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.array(fc.record({ value: fc.jsonValue({ maxDepth: 0 }), type: fc.constantFrom('work', 'home', 'User', 'Group'), primary: fc.boolean() }, { requiredKeys: [] }), { maxLength: 3 }),
    ),
  },
  { requiredKeys: ['op'] },
)

const patchBody = fc.oneof(
  fc.array(patchOperation, { minLength: 1, maxLength: 4 }).map((Operations) => ({ schemas: [PATCH_SCHEMA], Operations })),
  fc.jsonValue({ maxDepth: 3 }),
)

for (const { name, open } of STORES) {
  describe(`Robustness and protocol errors (fast-check) [${name}]`, () => {
    let h: Harness
    let userId = ''
    let groupId = ''
    before(async () => {
      h = await startHarness(open)
      const u = await h.scim('POST', '/Users', user('fuzz.target', { emails: [{ value: 'f@example.com', type: 'work', primary: true }] }))
      assert.equal(u.status, 201, u.text)
      userId = u.body.id
      const g = await h.scim('POST', '/Groups', group('Fuzz Group', { members: [{ value: userId }] }))
      assert.equal(g.status, 201, g.text)
      groupId = g.body.id
    })
    after(() => h.close())

    test('random filters on GET /Users and /Groups give 200 or 400 invalidFilter, never 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(filterText, fc.constantFrom('/Users', '/Groups'), async (filter, endpoint) => {
          const res = await h.scim('GET', `${endpoint}?filter=${encodeURIComponent(filter)}`)
          assertNo5xx(res, `filter ${JSON.stringify(filter)}`)
          if (res.status === 200) assert.ok(Array.isArray(res.body.Resources))
          else {
            assert.equal(res.status, 400, `filter ${JSON.stringify(filter)}: ${res.text}`)
            assert.equal(res.body.scimType, 'invalidFilter', `filter ${JSON.stringify(filter)}: ${res.text}`)
          }
        }),
        { numRuns: RUNS },
      )
    })

    test('random JSON bodies for POST /Users never give 5xx; a created user reads back as returned', async () => {
      await fc.assert(
        fc.asyncProperty(userBody, async (body) => {
          const res = await h.scim('POST', '/Users', body)
          assertNo5xx(res, `POST ${JSON.stringify(body)}`)
          if (res.status === 201) {
            const back = await h.scim('GET', `/Users/${res.body.id}`)
            assert.deepEqual(back.body, res.body)
            await h.scim('DELETE', `/Users/${res.body.id}`)
          } else {
            assert.ok([400, 409].includes(res.status), `POST ${JSON.stringify(body)} → ${res.status} ${res.text}`)
          }
        }),
        { numRuns: RUNS },
      )
    })

    test('random PATCH bodies for a user never give 5xx; a refused PATCH changes nothing', async () => {
      await fc.assert(
        fc.asyncProperty(patchBody, async (body) => {
          const before = await h.scim('GET', `/Users/${userId}`)
          const res = await h.scim('PATCH', `/Users/${userId}`, body)
          assertNo5xx(res, `PATCH ${JSON.stringify(body)}`)
          if (res.status >= 400) {
            const now = await h.scim('GET', `/Users/${userId}`)
            assert.deepEqual(now.body, before.body, `PATCH ${JSON.stringify(body)} failed but changed the user`)
          } else {
            assert.equal(res.status, 200)
            assert.equal(res.body.id, userId)
          }
        }),
        { numRuns: RUNS },
      )
    })

    test('random PATCH bodies for a group never give 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(patchBody, async (body) => {
          const res = await h.scim('PATCH', `/Groups/${groupId}`, body)
          assertNo5xx(res, `PATCH group ${JSON.stringify(body)}`)
        }),
        { numRuns: RUNS },
      )
    })

    test('truncated JSON is 400 invalidSyntax on POST, PUT and PATCH', async () => {
      const text = JSON.stringify({ schemas: [USER_SCHEMA], userName: 'trunc', name: { givenName: 'T' }, emails: [{ value: 'a@b.c' }] })
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: text.length - 1 }),
          fc.constantFrom<['POST' | 'PUT' | 'PATCH', string]>(['POST', '/Users'], ['PUT', '/Users/x'], ['PATCH', '/Users/x'], ['POST', '/Groups'], ['POST', '/Bulk']),
          async (cut, [method, path]) => {
            const res = await h.scim(method, path, text.slice(0, cut))
            assert.equal(res.status, 400, `${text.slice(0, cut)} → ${res.text}`)
            assert.equal(res.body.scimType, 'invalidSyntax')
            assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
          },
        ),
        { numRuns: 60 },
      )
    })

    test('malformed JSON text is 400 invalidSyntax', async () => {
      for (const text of ["{'userName':'x'}", '[1,]', 'nul', '{"userName":"x"}}', '{"userName":"x",}', 'NaN', '{"a":"\\x"}', '\u0000']) {
        const res = await h.scim('POST', '/Users', text)
        assert.equal(res.status, 400, `${JSON.stringify(text)} → ${res.text}`)
        assert.equal(res.body.scimType, 'invalidSyntax', `${JSON.stringify(text)} → ${res.text}`)
      }
    })

    test('an empty body with a JSON content type is 400 invalidSyntax', async () => {
      const res = await h.raw({
        method: 'POST',
        url: `${h.base}/Users`,
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/scim+json' },
        payload: '',
      })
      assert.equal(res.status, 400, res.text)
      assert.equal(res.body.scimType, 'invalidSyntax')
    })

    test('bodies with __proto__ or constructor.prototype keys are 400, and nothing is polluted', async () => {
      const bodies = [
        `{"schemas":["${USER_SCHEMA}"],"userName":"proto1","__proto__":{"polluted":true}}`,
        `{"schemas":["${USER_SCHEMA}"],"userName":"proto2","name":{"__proto__":{"polluted":true}}}`,
        `{"schemas":["${USER_SCHEMA}"],"userName":"proto3","constructor":{"prototype":{"polluted":true}}}`,
        `{"schemas":["${USER_SCHEMA}"],"userName":"proto4","emails":[{"value":"a@b.c","__proto__":{"polluted":true}}]}`,
      ]
      for (const text of bodies) {
        const res = await h.scim('POST', '/Users', text)
        assert.equal(res.status, 400, `${text} → ${res.text}`)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
      }
      const patchText = `{"schemas":["${PATCH_SCHEMA}"],"Operations":[{"op":"add","value":{"__proto__":{"polluted":true}}}]}`
      const res = await h.scim('PATCH', `/Users/${userId}`, patchText)
      assert.equal(res.status, 400, res.text)
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      const list = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName sw "proto"')}`)
      assert.equal(list.body.totalResults, 0)
    })

    test('deeply nested JSON is refused with 400, not a crash', async () => {
      const deep = `{"schemas":["${USER_SCHEMA}"],"userName":"deep","name":${'['.repeat(5000)}${']'.repeat(5000)}}`
      const res = await h.scim('POST', '/Users', deep)
      assertNo5xx(res, 'deep POST')
      assert.equal(res.status, 400)
      const deepPatch = `{"schemas":["${PATCH_SCHEMA}"],"Operations":[{"op":"add","path":"title","value":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}]}`
      const patched = await h.scim('PATCH', `/Users/${userId}`, deepPatch)
      assertNo5xx(patched, 'deep PATCH')
      assert.equal(patched.status, 400)
    })

    test('a wrong content type is 415 with a SCIM error', async () => {
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await h.scim('POST', '/Users', '{"userName":"typed"}', { 'content-type': type })
        assert.equal(res.status, 415, `${type}: ${res.text}`)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.status, '415')
      }
    })

    test('application/scim+json with a charset and application/json are both accepted', async () => {
      const a = await h.scim('POST', '/Users', user('charset.ok'), { 'content-type': 'application/scim+json; charset=utf-8' })
      assert.equal(a.status, 201, a.text)
      const b = await h.scim('POST', '/Users', user('json.ok'), { 'content-type': 'application/json; charset=UTF-8' })
      assert.equal(b.status, 201, b.text)
    })

    test('unknown routes are a SCIM 404', async () => {
      for (const url of [`${h.base}/Nope`, `${h.base}/Users/a/b`, '/nowhere', '/scim/v2/organizations/acme/Users/x/y/z']) {
        const res = await h.raw({ method: 'GET', url, headers: { authorization: `Bearer ${h.token}` } })
        assert.equal(res.status, 404, `${url}: ${res.text}`)
        assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.status, '404')
      }
    })

    test('an unknown tenant is 401, not 404 or 5xx (no tenant enumeration)', async () => {
      const res = await h.raw({ method: 'GET', url: '/scim/v2/organizations/not-a-tenant/Users', headers: { authorization: `Bearer ${h.token}` } })
      assert.equal(res.status, 401, res.text)
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
    })

    test('methods a collection or resource does not support are 405 with Allow', async () => {
      const cases: ['DELETE' | 'PUT' | 'PATCH' | 'POST', string, string][] = [
        ['DELETE', '/Users', 'GET, POST'],
        ['PUT', '/Users', 'GET, POST'],
        ['PATCH', '/Groups', 'GET, POST'],
        ['DELETE', '/Groups', 'GET, POST'],
        ['POST', `/Users/${userId}`, 'GET, PUT, PATCH, DELETE'],
      ]
      for (const [method, path, allow] of cases) {
        const res = await h.scim(method, path, method === 'DELETE' ? undefined : {})
        assert.equal(res.status, 405, `${method} ${path}: ${res.text}`)
        assert.equal(res.headers.allow, allow)
        assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
        assert.equal(res.body.status, '405')
      }
      // The user survived DELETE /Users.
      assert.equal((await h.scim('GET', `/Users/${userId}`)).status, 200)
    })

    test('a Group body on /Users and a User body on /Groups are 400', async () => {
      const res = await h.scim('POST', '/Users', { schemas: [GROUP_SCHEMA], displayName: 'Wrong place' })
      assert.equal(res.status, 400, res.text)
      const res2 = await h.scim('POST', '/Groups', { schemas: [USER_SCHEMA], userName: 'wrong.place' })
      assert.equal(res2.status, 400, res2.text)
    })
  })
}
