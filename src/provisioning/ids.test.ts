import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { newId } from './ids.js'

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('ids are UUIDv7 whose first 48 bits are the creation time', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
      const id = newId(ms)
      assert.match(id, V7)
      assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), ms)
    }),
  )
})

test('ids made later sort after ids made earlier, and never repeat', () => {
  const start = Date.UTC(2026, 0, 1)
  const ids = Array.from({ length: 2000 }, (_, i) => newId(start + Math.floor(i / 10)))
  assert.equal(new Set(ids).size, ids.length)
  for (let i = 10; i < ids.length; i++) assert.ok(ids[i - 10]! < ids[i]!, `${ids[i - 10]} < ${ids[i]}`)
})

test('by default the time is now', () => {
  const before = Date.now()
  const id = newId()
  const stamped = parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
  assert.ok(before <= stamped && stamped <= Date.now(), 'the id carries the time it was made')
})
