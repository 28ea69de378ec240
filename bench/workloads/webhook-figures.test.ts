import assert from 'node:assert/strict'
import { test } from 'node:test'
import { drainOf } from './webhook-figures.js'

test('a drain: distinct events per path, the rate from the first receipt to the last, repeats apart', () => {
  const receipts = [
    { path: '/a', id: 'a1', atMs: 1000 },
    { path: '/b', id: 'b1', atMs: 1100 },
    { path: '/a', id: 'a2', atMs: 1500 },
    { path: '/a', id: 'a2', atMs: 1600 },
    { path: '/b', id: 'b2', atMs: 2100 },
    { path: '/a', id: 'a3', atMs: 2000 },
    { path: '/elsewhere', id: 'x', atMs: 9000 },
  ]
  const drain = drainOf(receipts, ['/a', '/b'])
  assert.equal(drain.delivered, 5)
  assert.equal(drain.repeats, 1)
  assert.equal(drain.seconds, 1.1)
  assert.equal(drain.perSecond, 4 / 1.1)
  assert.deepEqual(drain.perPath, [2 / 1, 1 / 1])
  // Gaps: /a 500, 500 (the repeat is not a delivery); /b 1000.
  assert.equal(drain.gapP50Ms, 500)
})

test('nothing or one receipt is no rate', () => {
  assert.equal(drainOf([], ['/a']).perSecond, 0)
  assert.equal(drainOf([{ path: '/a', id: '1', atMs: 5 }], ['/a']).perSecond, 0)
})
