import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { addMembersBody, planLength, requestAt, userName } from './plan.js'
import { seededRng } from './rng.js'

describe('requestAt', () => {
  test('createUser numbers users from first', () => {
    const plan = { kind: 'createUser', base: '/b', userNamePrefix: 'u', first: 10 } as const
    const request = requestAt(plan, 5, seededRng(1))
    assert.equal(request.method, 'POST')
    assert.equal(request.path, '/b/Users')
    assert.equal(JSON.parse(request.body ?? '').userName, userName('u', 15))
  })

  test('lookupUser encodes a userName eq filter for an existing user', () => {
    const plan = { kind: 'lookupUser', base: '/b', userNamePrefix: 'u', population: 3 } as const
    const rng = seededRng(7)
    for (let k = 0; k < 50; k++) {
      const url = new URL(requestAt(plan, k, rng).path, 'http://127.0.0.1')
      assert.equal(url.pathname, '/b/Users')
      assert.match(url.searchParams.get('filter') ?? '', /^userName eq "u[012]@example\.test"$/)
    }
  })

  test('page keeps every page full', () => {
    const plan = { kind: 'page', base: '/b', totalResults: 250, count: 100 } as const
    const rng = seededRng(3)
    for (let k = 0; k < 200; k++) {
      const url = new URL(requestAt(plan, k, rng).path, 'http://127.0.0.1')
      const startIndex = Number(url.searchParams.get('startIndex'))
      assert.ok(startIndex >= 1 && startIndex + 99 <= 250, `startIndex ${startIndex}`)
      assert.equal(url.searchParams.get('count'), '100')
    }
  })

  test('page on a small directory starts at 1', () => {
    const plan = { kind: 'page', base: '/b', totalResults: 20, count: 100 } as const
    assert.equal(requestAt(plan, 0, seededRng(3)).path, '/b/Users?startIndex=1&count=100')
  })

  test('list is bounded by its requests', () => {
    const plan = { kind: 'list', requests: [{ method: 'GET', path: '/x' }] } as const
    assert.equal(planLength(plan), 1)
    assert.equal(requestAt(plan, 0, seededRng(1)).path, '/x')
    assert.throws(() => requestAt(plan, 1, seededRng(1)), RangeError)
  })
})

test('addMembersBody is an RFC 7644 PatchOp adding members', () => {
  assert.deepEqual(JSON.parse(addMembersBody(['a', 'b'])), {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] }],
  })
})
