import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { costAgainstBare, costRatio, edgeRatio, median, pageStarts } from './cost.js'

describe('costRatio', () => {
  test('the worse of latency and throughput', () => {
    const c = costRatio({ p50Ms: 2, reqPerSec: 1000 }, { p50Ms: 3, reqPerSec: 800 })
    assert.equal(c.p50Ratio, 1.5)
    assert.equal(c.rateRatio, 1.25)
    assert.equal(c.cost, 1.5)
  })
  test('nothing measured costs infinitely much', () => {
    assert.equal(costRatio({ p50Ms: Number.NaN, reqPerSec: 0 }, { p50Ms: 1, reqPerSec: 0 }).cost, Infinity)
  })
})

describe('costAgainstBare', () => {
  test('a machine slower in the second phase does not count as cost', () => {
    // Everything 1.5x slower, the bare route included: the same cost.
    const c = costAgainstBare({ p50Ms: 2, reqPerSec: 1500 }, { p50Ms: 1, reqPerSec: 3000 }, { p50Ms: 3, reqPerSec: 1000 }, { p50Ms: 1.5, reqPerSec: 2000 })
    assert.ok(Math.abs(c.cost - 1) < 1e-9)
    assert.equal(c.raw.cost, 1.5)
    assert.equal(c.drift.rateRatio, 1.5)
  })
  test('a lookup slower against an unchanged bare route costs its ratio', () => {
    const bare = { p50Ms: 1, reqPerSec: 3000 }
    const c = costAgainstBare({ p50Ms: 2, reqPerSec: 1500 }, bare, { p50Ms: 4, reqPerSec: 1000 }, bare)
    assert.equal(c.p50Ratio, 2)
    assert.equal(c.rateRatio, 1.5)
    assert.equal(c.cost, 2)
  })
  test('no bare measurement makes the cost unknown, never met', () => {
    const c = costAgainstBare({ p50Ms: 2, reqPerSec: 1500 }, { p50Ms: 1, reqPerSec: 0 }, { p50Ms: 2, reqPerSec: 1500 }, { p50Ms: 1, reqPerSec: 0 })
    assert.equal(c.cost, Infinity)
  })
})

describe('edgeRatio', () => {
  test('medians of the first and last k', () => {
    const r = edgeRatio([1, 100, 2, 3, 5, 5, 5, 6, 7, 6], 3)
    assert.equal(r.first, 2)
    assert.equal(r.last, 6)
    assert.equal(r.ratio, 3)
  })
  test('median of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5)
  })
})

describe('pageStarts', () => {
  test('a full walk reads every page, the last one partial', () => {
    assert.deepEqual(pageStarts(250, 100, 'full'), [1, 101, 201])
  })
  test('a sampled walk reads the first and last five pages', () => {
    assert.deepEqual(pageStarts(1_000_000, 100, 'sampled'), [
      1, 101, 201, 301, 401, 999_501, 999_601, 999_701, 999_801, 999_901,
    ])
  })
  test('every start is in range and pages never overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 500 }), fc.boolean(), (total, count, full) => {
        const starts = pageStarts(total, count, full ? 'full' : 'sampled')
        assert.ok(starts.length >= 1)
        for (let i = 0; i < starts.length; i++) {
          const start = starts[i] ?? 0
          assert.ok(start >= 1 && (total === 0 || start <= total))
          if (i > 0) assert.ok(start - (starts[i - 1] ?? 0) >= count)
        }
        if (full) assert.equal(starts.length, Math.max(1, Math.ceil(total / count)))
      }),
    )
  })
})
