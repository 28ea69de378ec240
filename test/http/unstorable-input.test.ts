import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ENTERPRISE_SCHEMA, group, patch, STORES, startHarness, user, type Harness, type ScimResponse } from '../helpers/harness.js'

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** As escapes in JSON text and in filter strings, where the server decodes them. */
const NUL = '\\u0000'
const LONE = '\\ud800'

function refused(res: ScimResponse, detail: RegExp, scimType = 'invalidValue') {
  assert.equal(res.status, 400, res.text)
  assert.deepEqual(res.body.schemas, [ERROR_SCHEMA])
  assert.equal(res.body.status, '400')
  assert.equal(res.body.scimType, scimType)
  assert.match(res.body.detail, detail)
}

for (const { name, open } of STORES) {
  describe(`client input a store cannot keep is 400, never a 500 [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('Bulk: an operation path that is not valid percent-encoding is 400 invalidValue naming the operation', async () => {
      const created = await h.scim('POST', '/Users', user('bulk.encoding@example.com'))
      assert.equal(created.status, 201)
      for (const method of ['DELETE', 'PATCH', 'PUT']) {
        for (const id of ['%ff', '%', '%zz', 'bulkId:%ff', `${created.body.id}%`]) {
          for (const endpoint of ['Users', 'Groups']) {
            const data = method === 'PATCH' ? patch({ op: 'replace', path: 'displayName', value: 'x' }) : user('x')
            const res = await h.scim('POST', '/Bulk', {
              schemas: [BULK_REQUEST],
              Operations: [
                { method: 'POST', path: '/Users', bulkId: 'first', data: user(`never.${method}.${endpoint}@example.com`) },
                { method, path: `/${endpoint}/${id}`, ...(method !== 'DELETE' && { data }) },
              ],
            })
            refused(res, /^Operations\[1\]: 'path' is not valid percent-encoding/)
            assert.ok(res.body.detail.includes(`/${endpoint}/${id}`), res.body.detail)
          }
        }
      }
      const listed = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName sw "never."')}`)
      assert.equal(listed.body.totalResults, 0, 'a refused Bulk request runs none of its operations')
      assert.equal((await h.scim('GET', `/Users/${created.body.id}`)).status, 200)
    })

    test('U+0000 and lone surrogates in string values: 400 naming the attribute, on POST', async () => {
      for (const [bad, what] of [
        [NUL, /the character U\+0000/],
        [LONE, /an unpaired UTF-16 surrogate/],
        ['\\udc00x', /an unpaired UTF-16 surrogate/],
        ['x\\ud800', /an unpaired UTF-16 surrogate/],
      ] as const) {
        refused(await h.scim('POST', '/Users', `{"userName":"a${bad}b"}`), new RegExp(`^userName: contains ${what.source}`))
        refused(
          await h.scim('POST', '/Users', `{"userName":"given.${Math.random()}","name":{"givenName":"${bad}"}}`),
          new RegExp(`^name\\.givenName: contains ${what.source}`),
        )
        refused(
          await h.scim('POST', '/Users', `{"userName":"mail.${Math.random()}","emails":[{"value":"ok@example.com"},{"value":"${bad}"}]}`),
          /^emails\[1\]\.value: contains/,
        )
        refused(
          await h.scim('POST', '/Users', `{"userName":"ext.${Math.random()}","${ENTERPRISE_SCHEMA}":{"department":"${bad}"}}`),
          new RegExp(`^${ENTERPRISE_SCHEMA}:department: contains`),
        )
        refused(await h.scim('POST', '/Groups', `{"displayName":"${bad}"}`), /^displayName: contains/)
      }
      const listed = await h.scim('GET', '/Users')
      assert.equal(listed.body.totalResults, 1, 'nothing was stored but the Bulk test user')
    })

    test('keys holding such text are refused too, even keys the schema does not know', async () => {
      refused(await h.scim('POST', '/Users', `{"userName":"key.a","x${NUL}":"v"}`), /^the key "x\\u0000" contains the character U\+0000/)
      refused(
        await h.scim('POST', '/Users', `{"userName":"key.b","${ENTERPRISE_SCHEMA}":{"dept${LONE}":"v"}}`),
        new RegExp(`^${ENTERPRISE_SCHEMA}: the key "dept\\\\ud800" contains an unpaired UTF-16 surrogate`),
      )
      refused(await h.scim('POST', '/Users', `{"userName":"key.c","name":{"given${NUL}":"v"}}`), /^name: the key/)
      // Surrogate pairs are ordinary text.
      const paired = await h.scim('POST', '/Users', '{"userName":"key.d","name":{"givenName":"\\ud83d\\ude00"}}')
      assert.equal(paired.status, 201, paired.text)
      assert.equal(paired.body.name.givenName, '😀')
      assert.equal((await h.scim('DELETE', `/Users/${paired.body.id}`)).status, 204)
    })

    test('PUT, PATCH and Bulk give the same answer, and write nothing', async () => {
      const created = await h.scim('POST', '/Users', user('writes@example.com'))
      assert.equal(created.status, 201)
      const id = created.body.id as string
      refused(await h.scim('PUT', `/Users/${id}`, `{"userName":"writes@example.com","displayName":"${NUL}"}`), /^displayName: contains the character U\+0000/)
      refused(
        await h.scim('PATCH', `/Users/${id}`, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"${LONE}"}]}`),
        // A value aimed at a path is named by its place in the request, as other PATCH faults are.
        /^Operations\[0\]\.value: contains an unpaired/,
      )
      refused(
        await h.scim(
          'PATCH',
          `/Users/${id}`,
          `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"name":{"familyName":"${NUL}"}}}]}`,
        ),
        /^Operations\[0\]\.value\.name\.familyName: contains the character U\+0000/,
      )
      const bulk = await h.scim(
        'POST',
        '/Bulk',
        `{"schemas":["${BULK_REQUEST}"],"Operations":[` +
          `{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"bulk${LONE}"}},` +
          `{"method":"PUT","path":"/Users/${id}","data":{"userName":"writes@example.com","nickName":"${NUL}"}}]}`,
      )
      assert.equal(bulk.status, 200, bulk.text)
      const [post, put] = bulk.body.Operations
      assert.equal(post.status, '400')
      assert.equal(post.response.scimType, 'invalidValue')
      assert.match(post.response.detail, /^userName: contains an unpaired UTF-16 surrogate/)
      assert.equal(put.status, '400')
      assert.match(put.response.detail, /^nickName: contains the character U\+0000/)
      const after = await h.scim('GET', `/Users/${id}`)
      assert.equal(after.body.meta.version, 'W/"1"', 'nothing was written')
    })

    test('a group member id holding such text is refused before any lookup', async () => {
      refused(await h.scim('POST', '/Groups', `{"displayName":"g","members":[{"value":"${NUL}"}]}`), /^members\[0\]\.value: contains/)
      const g = await h.scim('POST', '/Groups', group('members of bad text'))
      assert.equal(g.status, 201)
      refused(
        await h.scim(
          'PATCH',
          `/Groups/${g.body.id}`,
          `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"${LONE}"}]}]}`,
        ),
        /^Operations\[0\]\.value\[0\]\.value: contains an unpaired UTF-16 surrogate/,
      )
    })

    test('filters comparing with such text are 400 invalidFilter on every store', async () => {
      for (const filter of [`userName eq "${NUL}"`, `userName co "a${LONE}"`, `emails[value eq "${NUL}"]`, `title ne '${LONE}'`]) {
        const res = await h.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`)
        assert.equal(res.body.scimType, 'invalidFilter', `${filter}: ${res.body.detail}`)
        refused(res, /^filter: a string contains (the character U\+0000|an unpaired UTF-16 surrogate)/, 'invalidFilter')
        const searched = await h.scim('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter })
        refused(searched, /^filter: a string contains/, 'invalidFilter')
      }
    })
  })
}
