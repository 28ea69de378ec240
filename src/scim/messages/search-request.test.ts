import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { isScimError } from '../errors.js'
import { parseSearchRequest, type SearchSource } from './search-request.js'

const limits = { defaultCount: 100, maxCount: 200 }
const query = (q: Record<string, unknown>): SearchSource => ({ kind: 'query', query: q })
const body = (b: unknown): SearchSource => ({ kind: 'body', body: b })
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'

function rejects(
  source: SearchSource,
  detail: string,
  scimType: 'invalidValue' | 'invalidSyntax' = 'invalidValue',
) {
  assert.throws(
    () => parseSearchRequest(source, limits),
    (e: unknown) => {
      assert.ok(isScimError(e))
      assert.equal(e.status, 400)
      assert.equal(e.scimType, scimType)
      assert.equal(e.detail, detail)
      return true
    },
  )
}

describe('parseSearchRequest: query (RFC 7644 §3.4.2)', () => {
  test('defaults', () => {
    assert.deepEqual(parseSearchRequest(query({}), limits), { startIndex: 1, count: 100 })
    assert.deepEqual(parseSearchRequest(query({}), { defaultCount: 500, maxCount: 200 }), {
      startIndex: 1,
      count: 200,
    })
  })

  test('RFC 7644 §3.4.2.4: ?startIndex=1&count=10', () => {
    assert.deepEqual(parseSearchRequest(query({ startIndex: '1', count: '10' }), limits), {
      startIndex: 1,
      count: 10,
    })
  })

  test('Okta: ?startIndex=1&count=2 and ?count=100&startIndex=1', () => {
    assert.deepEqual(parseSearchRequest(query({ startIndex: '1', count: '2' }), limits), {
      startIndex: 1,
      count: 2,
    })
    assert.deepEqual(parseSearchRequest(query({ count: '100', startIndex: '1' }), limits), {
      startIndex: 1,
      count: 100,
    })
  })

  test('Entra ID: filter and excludedAttributes=members', () => {
    assert.deepEqual(
      parseSearchRequest(
        query({ excludedAttributes: 'members', filter: 'displayName eq "displayName"' }),
        limits,
      ),
      {
        filter: 'displayName eq "displayName"',
        startIndex: 1,
        count: 100,
        excludedAttributes: [{ name: 'members' }],
      },
    )
  })

  test('parameter names are case-insensitive', () => {
    assert.deepEqual(
      parseSearchRequest(
        query({
          startindex: '3',
          Count: '5',
          FILTER: 'userName eq "a"',
          SortBy: 'userName',
          sortorder: 'DESCENDING',
          ATTRIBUTES: 'userName',
        }),
        limits,
      ),
      {
        filter: 'userName eq "a"',
        sortBy: { name: 'userName' },
        sortOrder: 'descending',
        startIndex: 3,
        count: 5,
        attributes: [{ name: 'userName' }],
      },
    )
  })

  test('RFC 7644 §3.4.2.4: out-of-range paging values are clamped', () => {
    assert.equal(parseSearchRequest(query({ startIndex: '0' }), limits).startIndex, 1)
    assert.equal(parseSearchRequest(query({ startIndex: '-5' }), limits).startIndex, 1)
    assert.equal(parseSearchRequest(query({ count: '-1' }), limits).count, 0)
    assert.equal(parseSearchRequest(query({ count: '0' }), limits).count, 0)
    assert.equal(parseSearchRequest(query({ count: '1000' }), limits).count, 200)
    assert.equal(parseSearchRequest(query({ count: '99999999999999999999999' }), limits).count, 200)
  })

  test('non-integers are refused', () => {
    rejects(query({ startIndex: 'abc' }), "startIndex must be an integer, got 'abc'")
    rejects(query({ count: '1.5' }), "count must be an integer, got '1.5'")
    rejects(query({ count: '0x10' }), "count must be an integer, got '0x10'")
  })

  test('sortOrder: any case, default ascending when sortBy is given', () => {
    assert.equal(parseSearchRequest(query({ sortBy: 'name.familyName' }), limits).sortOrder, 'ascending')
    assert.equal(
      parseSearchRequest(query({ sortBy: 'userName', sortOrder: 'Descending' }), limits).sortOrder,
      'descending',
    )
    assert.equal(parseSearchRequest(query({}), limits).sortOrder, undefined)
    rejects(query({ sortOrder: 'up' }), "sortOrder: expected 'ascending' or 'descending', got 'up'")
    rejects(query({ sortBy: 'x y' }), "sortBy: 'x y' is not an attribute path")
  })

  test('a parameter given twice is refused', () => {
    rejects(query({ filter: ['userName eq "a"', 'userName eq "b"'] }), 'filter: given more than once')
    rejects(query({ count: '1', COUNT: '2' }), 'count: given more than once')
    assert.equal(parseSearchRequest(query({ filter: ['userName eq "a"'] }), limits).filter, 'userName eq "a"')
  })

  test('attributes and excludedAttributes together are refused', () => {
    rejects(
      query({ attributes: 'userName', excludedAttributes: 'emails' }),
      "'attributes' and 'excludedAttributes' cannot be used together; give one of them",
    )
  })

  test('empty values count as absent; unknown parameters are ignored', () => {
    assert.deepEqual(
      parseSearchRequest(query({ filter: '', count: '', attributes: '', aadOptscim062020: '' }), limits),
      { startIndex: 1, count: 100 },
    )
  })
})

describe('parseSearchRequest: POST /.search (RFC 7644 §3.4.3)', () => {
  test('the RFC example', () => {
    const request = JSON.parse(`{
     "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
     "attributes": ["displayName", "userName"],
     "filter":
       "displayName sw \\"smith\\"",
     "startIndex": 1,
     "count": 10
   }`)
    assert.deepEqual(parseSearchRequest(body(request), limits), {
      filter: 'displayName sw "smith"',
      startIndex: 1,
      count: 10,
      attributes: [{ name: 'displayName' }, { name: 'userName' }],
    })
  })

  test('schemas must list the SearchRequest URN', () => {
    rejects(body({ filter: 'x' }), `schemas: a SearchRequest must list '${SEARCH}'`)
    rejects(
      body({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }),
      `schemas: a SearchRequest must list '${SEARCH}'`,
    )
    assert.deepEqual(parseSearchRequest(body({ SCHEMAS: [SEARCH.toUpperCase()] }), limits), {
      startIndex: 1,
      count: 100,
    })
  })

  test('the body must be an object', () => {
    rejects(body([]), 'SearchRequest: expected a JSON object, got array', 'invalidSyntax')
  })

  test('attributes as a list, a comma string, or a list of comma strings', () => {
    const parse = (attributes: unknown) =>
      parseSearchRequest(body({ schemas: [SEARCH], attributes }), limits).attributes
    assert.deepEqual(parse('userName, emails'), [{ name: 'userName' }, { name: 'emails' }])
    assert.deepEqual(parse(['userName,emails', 'name.givenName']), [
      { name: 'userName' },
      { name: 'emails' },
      { name: 'name', subAttr: 'givenName' },
    ])
    assert.equal(parse([]), undefined)
    rejects(
      body({ schemas: [SEARCH], attributes: [1] }),
      'attributes: expected a list of attribute names, got array',
    )
    rejects(
      body({ schemas: [SEARCH], excludedAttributes: ['x y'] }),
      "excludedAttributes: 'x y' is not an attribute path",
    )
  })

  test('both attribute lists → 400', () => {
    rejects(
      body({ schemas: [SEARCH], attributes: ['userName'], excludedAttributes: ['emails'] }),
      "'attributes' and 'excludedAttributes' cannot be used together; give one of them",
    )
  })

  test('types in a body', () => {
    rejects(body({ schemas: [SEARCH], filter: 7 }), 'filter: expected a string, got number')
    rejects(body({ schemas: [SEARCH], count: 2.5 }), 'count must be an integer, got 2.5')
    rejects(body({ schemas: [SEARCH], startIndex: true }), 'startIndex must be an integer, got boolean')
    assert.equal(
      parseSearchRequest(body({ schemas: [SEARCH], count: '5', startIndex: null }), limits).count,
      5,
    )
  })

  test('refuses polluting keys', () => {
    assert.throws(
      () => parseSearchRequest(body(JSON.parse(`{"schemas":["${SEARCH}"],"__proto__":{}}`)), limits),
      isScimError,
    )
  })
})

describe('parseSearchRequest: properties', () => {
  test('startIndex ≥ 1 and 0 ≤ count ≤ maxCount for any integers', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.nat({ max: 1000 }), (startIndex, count, maxCount) => {
        const r = parseSearchRequest(query({ startIndex: String(startIndex), count: String(count) }), {
          defaultCount: 100,
          maxCount,
        })
        assert.equal(r.startIndex, Math.max(1, startIndex))
        assert.equal(r.count, Math.min(Math.max(0, count), maxCount))
      }),
    )
  })
})

describe('parseSearchRequest: RFC 9865 cursor', () => {
  test('an empty cursor (`?cursor`, `?cursor=`, "cursor": "") starts a cursor walk', () => {
    assert.deepEqual(parseSearchRequest(query({ cursor: '', count: '10' }), limits), { startIndex: 1, count: 10, cursor: '' })
    assert.deepEqual(parseSearchRequest(query({ Cursor: 'abc.def' }), limits), { startIndex: 1, count: 100, cursor: 'abc.def' })
    assert.deepEqual(parseSearchRequest(body({ schemas: [SEARCH], cursor: '', count: 5 }), limits), {
      startIndex: 1,
      count: 5,
      cursor: '',
    })
  })

  test('startIndex with cursor is 400 invalidValue; a cursor that is not a string is 400 invalidCursor', () => {
    const fails = (source: SearchSource, scimType: string) =>
      assert.throws(
        () => parseSearchRequest(source, limits),
        (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === scimType,
      )
    fails(query({ cursor: '', startIndex: '1' }), 'invalidValue')
    fails(body({ schemas: [SEARCH], cursor: 'x', startIndex: 3 }), 'invalidValue')
    fails(body({ schemas: [SEARCH], cursor: 7 }), 'invalidCursor')
    fails(query({ cursor: ['a', 'b'] }), 'invalidValue')
  })
})
