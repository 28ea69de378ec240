import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { listResponse, listResponseJson, type Page } from './list-response.js'

describe('listResponse (RFC 7644 §3.4.2)', () => {
  test('RFC 7644 §3.4.2 example shape', () => {
    const resources = [
      { id: '2819c223-7f76-453a-919d-413861904646', userName: 'bjensen' },
      { id: 'c75ad752-64ae-4823-840d-ffa80929976c', userName: 'jsmith' },
    ]
    assert.deepEqual(listResponse(resources, { totalResults: 2, startIndex: 1 }), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 2,
      itemsPerPage: 2,
      startIndex: 1,
      Resources: resources,
    })
  })

  test('RFC 7644 §3.4.2.4: a page of a larger result', () => {
    const page = Array.from({ length: 10 }, (_, i) => ({ id: String(i) }))
    const body = listResponse(page, { totalResults: 100, startIndex: 1 })
    assert.equal(body.totalResults, 100)
    assert.equal(body.itemsPerPage, 10)
    assert.equal(body.startIndex, 1)
  })

  test("Entra ID's Test Connection: an empty result still has Resources: []", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(listResponse([], { totalResults: 0, startIndex: 1 }))), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    })
  })

  test('an explicit itemsPerPage wins', () => {
    assert.equal(listResponse([], { totalResults: 5, startIndex: 6, itemsPerPage: 5 }).itemsPerPage, 5)
  })
})

describe('listResponse (RFC 9865 §2)', () => {
  test('a cursor page has nextCursor/previousCursor and no startIndex', () => {
    assert.deepEqual(listResponse([{ id: '1' }], { totalResults: 3, nextCursor: 'n.x', previousCursor: 'p.y' }), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      itemsPerPage: 1,
      nextCursor: 'n.x',
      previousCursor: 'p.y',
      Resources: [{ id: '1' }],
    })
    const last = listResponse([], { totalResults: 3, nextCursor: undefined })
    assert.equal('nextCursor' in last, false)
    assert.equal('startIndex' in last, false)
  })
})

describe('listResponseJson', () => {
  test('is JSON.stringify(listResponse(…)) for resources given as JSON text', () => {
    const resources = [{ id: 'a', userName: 'x"y' }, { id: 'b', name: { givenName: 'é' } }]
    const pages: Page[] = [
      { totalResults: 2, startIndex: 1 },
      { totalResults: 0, startIndex: 7 },
      { totalResults: 40, startIndex: 3, itemsPerPage: 5 },
      { totalResults: 2, nextCursor: 'n', previousCursor: 'p' },
      { totalResults: 2, nextCursor: undefined, previousCursor: 'p' },
      { totalResults: 2 },
    ]
    for (const page of pages) {
      for (const list of [resources, resources.slice(0, 1), []]) {
        assert.equal(
          listResponseJson(list.map((r) => JSON.stringify(r)), page),
          JSON.stringify(listResponse(list, page)),
          JSON.stringify({ page, n: list.length }),
        )
      }
    }
  })
})
