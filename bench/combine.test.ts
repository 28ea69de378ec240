import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { combineRounds, roundOrder, splitEvenly, spread, type RoundResult } from './combine.js'
import type { Measurement } from './context.js'

function round(latencies: number[], durationMs: number, extra: Partial<Measurement> = {}): RoundResult {
  const measurement: Measurement = {
    reqPerSec: (latencies.length * 1000) / durationMs,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    requests: latencies.length,
    errors: 0,
    durationMs,
    statusCounts: { 200: latencies.length },
    errorSamples: [],
    generatorCpu: 0.5,
    ...extra,
  }
  return { measurement, latencies }
}

describe('roundOrder', () => {
  test('even rounds keep the order, odd rounds reverse it', () => {
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 0), ['a', 'b', 'c'])
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 1), ['c', 'b', 'a'])
    assert.deepEqual(roundOrder(['a', 'b', 'c'], 2), ['a', 'b', 'c'])
  })

  test('does not change the list it is given', () => {
    const sides = ['a', 'b']
    roundOrder(sides, 1)
    assert.deepEqual(sides, ['a', 'b'])
  })
})

describe('splitEvenly', () => {
  test('parts differ by at most one and add up to the total', () => {
    assert.deepEqual(splitEvenly(10, 4), [3, 3, 2, 2])
    assert.deepEqual(splitEvenly(8, 4), [2, 2, 2, 2])
    assert.deepEqual(splitEvenly(2, 4), [1, 1, 0, 0])
    assert.deepEqual(splitEvenly(0, 3), [0, 0, 0])
  })

  test('refuses what cannot be split', () => {
    assert.throws(() => splitEvenly(5, 0), /rounds must be a whole number >= 1, got 0/)
    assert.throws(() => splitEvenly(-1, 2), /total must be a whole number >= 0, got -1/)
    assert.throws(() => splitEvenly(2.5, 2), /total must be a whole number >= 0, got 2.5/)
  })
})

describe('combineRounds', () => {
  test('req/s over the summed time, percentiles over every latency', () => {
    const fast = round([1, 1, 1, 1, 1, 1, 1, 1], 1000)
    const slow = round([10, 10], 1000)
    const combined = combineRounds([fast, slow])
    assert.equal(combined.requests, 10)
    assert.equal(combined.durationMs, 2000)
    assert.equal(combined.reqPerSec, 5)
    assert.equal(combined.p50Ms, 1)
    assert.equal(combined.p99Ms, 10)
    assert.deepEqual(combined.statusCounts, { 200: 10 })
  })

  test('errors, samples and status counts add up', () => {
    const a = round([1, 2], 100, { errors: 1, statusCounts: { 200: 1, 500: 1 }, errorSamples: ['a failed'] })
    const b = round([3], 100, { errors: 1, statusCounts: { 409: 1 }, errorSamples: ['b failed'] })
    const combined = combineRounds([a, b])
    assert.equal(combined.errors, 2)
    assert.deepEqual(combined.statusCounts, { 200: 1, 500: 1, 409: 1 })
    assert.deepEqual(combined.errorSamples, ['a failed', 'b failed'])
  })

  test('core shares are weighted by time; the server share only when every round has one', () => {
    const a = round([1], 300, { generatorCpu: 1, serverCpu: 0.2 })
    const b = round([1], 100, { generatorCpu: 0, serverCpu: 0.6 })
    const both = combineRounds([a, b])
    assert.equal(both.generatorCpu, 0.75)
    assert.ok(Math.abs((both.serverCpu ?? 0) - 0.3) < 1e-12)
    assert.equal(combineRounds([a, round([1], 100)]).serverCpu, undefined)
  })

  test('memory is the peak of the rounds', () => {
    const peak = (mb: number) => ({ maxProcessMb: mb, maxProcessAnonMb: mb / 2, maxTotalMb: mb, processes: 1, samples: 3 })
    const combined = combineRounds([round([1], 10, { serverRss: peak(120) }), round([1], 10, { serverRss: peak(150) })])
    assert.equal(combined.serverRss?.maxProcessMb, 150)
    assert.equal(combined.serverRss?.samples, 6)
  })

  test('nothing to combine is a mistake, not an empty measurement', () => {
    assert.throws(() => combineRounds([]), /no rounds to combine/)
  })
})

describe('spread', () => {
  test('lowest and highest ratio, or one figure when they agree', () => {
    assert.equal(spread([0.93, 0.81, 0.88]), '0.81x–0.93x')
    assert.equal(spread([1.2, 1.2]), '1.20x')
    assert.equal(spread([]), '-')
  })
})
