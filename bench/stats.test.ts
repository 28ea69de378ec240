import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { percentile, summarize } from './stats.js'

describe('percentile', () => {
  test('nearest rank over 1..100', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1)
    assert.equal(percentile(sorted, 50), 50)
    assert.equal(percentile(sorted, 99), 99)
    assert.equal(percentile(sorted, 100), 100)
  })

  test('a single sample is every percentile', () => {
    const sorted = Float64Array.of(7)
    assert.equal(percentile(sorted, 1), 7)
    assert.equal(percentile(sorted, 99), 7)
  })

  test('no samples gives NaN', () => {
    assert.ok(Number.isNaN(percentile(new Float64Array(0), 50)))
  })
})

describe('summarize', () => {
  test('sorts a copy and reports the tail', () => {
    const latencies = Float64Array.of(5, 1, 3, 2, 4)
    const summary = summarize(latencies)
    assert.deepEqual(summary, { requests: 5, p50Ms: 3, p90Ms: 5, p99Ms: 5, maxMs: 5, meanMs: 3 })
    assert.deepEqual(Array.from(latencies), [5, 1, 3, 2, 4])
  })
})
