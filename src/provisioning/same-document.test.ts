import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sameDocument } from './same-document.js'

test('key order does not matter, values and array order do', () => {
  assert.ok(sameDocument({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 }))
  assert.ok(!sameDocument({ a: 1 }, { a: 2 }))
  assert.ok(!sameDocument({ a: [1, 2] }, { a: [2, 1] }))
  assert.ok(!sameDocument({ a: 1 }, { a: 1, b: null }))
})
