import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { addMembersBody, bulkCreateBody, bulkSize, planLength, requestAt, userName } from './plan.js'
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

  test('lookupUser by externalId uses the externalId the user was created with', () => {
    const plan = { kind: 'lookupUser', base: '/b', userNamePrefix: 'u', population: 1, attribute: 'externalId' } as const
    const url = new URL(requestAt(plan, 0, seededRng(1)).path, 'http://127.0.0.1')
    const created = JSON.parse(requestAt({ kind: 'createUser', base: '/b', userNamePrefix: 'u', first: 0 }, 0, seededRng(1)).body ?? '')
    assert.equal(url.searchParams.get('filter'), `externalId eq "${created.externalId}"`)
  })

  test('syncUser looks the user up by externalId, then creates it', () => {
    const plan = { kind: 'syncUser', base: '/b', userNamePrefix: 's', first: 100 } as const
    const request = requestAt(plan, 2, seededRng(1))
    assert.equal(request.method, 'GET')
    assert.match(decodeURIComponent(request.path), /filter=externalId eq "ext-s102"$/)
    assert.equal(request.then?.method, 'POST')
    assert.equal(JSON.parse(request.then?.body ?? '').externalId, 'ext-s102')
  })

  test('bulkCreateUsers splits total users into POST /Bulk of size, the last one shorter', () => {
    const plan = { kind: 'bulkCreateUsers', base: '/b', userNamePrefix: 'u', first: 10, size: 4, total: 10 } as const
    assert.equal(planLength(plan), 3)
    assert.deepEqual([0, 1, 2, 3].map((k) => bulkSize(plan, k)), [4, 4, 2, 0])
    const last = JSON.parse(requestAt(plan, 2, seededRng(1)).body ?? '')
    assert.equal(last.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:BulkRequest')
    assert.deepEqual(
      last.Operations.map((op: { bulkId: string; data: { userName: string } }) => [op.bulkId, op.data.userName]),
      [
        ['u18', userName('u', 18)],
        ['u19', userName('u', 19)],
      ],
    )
    assert.equal(JSON.parse(bulkCreateBody('u', 0, 1)).Operations[0].path, '/Users')
  })

  test('repeat sends one request forever', () => {
    const plan = { kind: 'repeat', request: { method: 'GET', path: '/g' } } as const
    assert.equal(planLength(plan), undefined)
    assert.equal(requestAt(plan, 12345, seededRng(1)).path, '/g')
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
