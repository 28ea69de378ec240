import { test } from 'node:test'
import assert from 'node:assert/strict'
import { estimateAtTargetSize, syncMembers } from './sync.js'

test('sync groups take 100 consecutive users, wrapping around', () => {
  const users = Array.from({ length: 250 }, (_, i) => i)
  assert.deepEqual(syncMembers(users, 0).slice(0, 3), [0, 1, 2])
  assert.equal(syncMembers(users, 1)[0], 100)
  const third = syncMembers(users, 2)
  assert.equal(third.length, 100)
  assert.deepEqual([third[0], third[49], third[50], third[99]], [200, 249, 0, 49])
  assert.equal(new Set(third).size, 100)
})

test('a small population gives groups as large as it is', () => {
  assert.deepEqual(syncMembers(['a', 'b'], 7), ['a', 'b'])
  assert.deepEqual(syncMembers([], 0), [])
})

test('a small sync is scaled linearly to 100,000 users and 1,000 groups', () => {
  assert.equal(estimateAtTargetSize(2, 1, 10_000, 100), 20 + 10)
})
