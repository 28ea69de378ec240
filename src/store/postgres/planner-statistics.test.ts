import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PlannerStatistics, stale } from './planner-statistics.js'

test('the statistics are looked at after every 500 written rows, one look at a time', async () => {
  let runs = 0
  let finish: () => void = () => undefined
  const statistics = new PlannerStatistics(() => {
    runs++
    return new Promise<void>((resolve) => (finish = resolve))
  })
  statistics.note(499)
  assert.equal(runs, 0)
  statistics.note(1)
  assert.equal(runs, 1)
  statistics.note(5000)
  assert.equal(runs, 1, 'not while one is running')
  finish()
  await new Promise((resolve) => setImmediate(resolve))
  // The 5,000 rows written while it ran are enough for the next.
  statistics.note(1)
  assert.equal(runs, 2)
  finish()
  await new Promise((resolve) => setImmediate(resolve))
  statistics.note(499)
  assert.equal(runs, 2)
  statistics.note(1)
  assert.equal(runs, 3, 'the third after 500 more rows')
})

test('a failing ANALYZE is swallowed and the next one still runs', async () => {
  let runs = 0
  const statistics = new PlannerStatistics(async () => {
    runs++
    throw new Error('no')
  }, { every: 1 })
  statistics.note(1)
  await new Promise((resolve) => setImmediate(resolve))
  statistics.note(2)
  assert.equal(runs, 2)
})

test('a table is stale when never analysed, or changed by half the rows the planner knows of', () => {
  assert.equal(stale({ known: -1, changed: 0 }), true, 'never analysed')
  assert.equal(stale({ known: 0, changed: 0 }), false, 'analysed empty, unchanged')
  assert.equal(stale({ known: 0, changed: 1 }), true, 'analysed empty, then written')
  assert.equal(stale({ known: 1000, changed: 499 }), false)
  assert.equal(stale({ known: 1000, changed: 500 }), true)
  // A restarted process on a large table does not analyse it after its own first 500 rows.
  assert.equal(stale({ known: 1_000_000, changed: 500 }), false)
  assert.equal(stale({ known: 10_000_000, changed: 499_999 }), false)
  assert.equal(stale({ known: 10_000_000, changed: 500_000 }), true, 'at most 500,000 changes late')
})
