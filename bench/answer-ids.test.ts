import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { bulkIdsOf, idOf } from './answer-ids.js'

describe('idOf', () => {
  test('reads the id of a created resource', () => {
    assert.equal(idOf('{"id":"abc","userName":"x"}'), 'abc')
  })
  test('null for a list, an error or text', () => {
    assert.equal(idOf('{"totalResults":0,"Resources":[]}'), null)
    assert.equal(idOf('not json'), null)
    assert.equal(idOf('null'), null)
  })
})

describe('bulkIdsOf', () => {
  test('matches operations to users by bulkId, in any order', () => {
    const text = JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'],
      Operations: [
        { method: 'POST', bulkId: 'u11', location: 'http://h/scim/v2/Users/id-11', status: '201' },
        { method: 'POST', bulkId: 'u10', location: 'http://h/scim/v2/Users/id-10', status: '201' },
        { method: 'POST', bulkId: 'u12', status: '409', response: { status: '409' } },
      ],
    })
    assert.deepEqual(bulkIdsOf(text, 10, 4), ['id-10', 'id-11', null, null])
  })
  test('prefers the id of an embedded response', () => {
    const text = JSON.stringify({ Operations: [{ bulkId: 'u0', status: '201', response: { id: 'r0' } }] })
    assert.deepEqual(bulkIdsOf(text, 0, 1), ['r0'])
  })
  test('an unreadable answer gives no ids', () => {
    assert.deepEqual(bulkIdsOf('<html>', 0, 2), [null, null])
    assert.deepEqual(bulkIdsOf('{"Operations":"x"}', 0, 1), [null])
  })
})
