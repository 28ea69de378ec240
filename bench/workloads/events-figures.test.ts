import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deliveryLag, dueByNow, feedPath, readFeedPage } from './events-figures.js'

test('a feed page is read after what was asked, and its next is the seq to ask after', () => {
  assert.equal(feedPath('enterprise:bench-feed', 2000, 1000), '/admin/v1/tenants/enterprise:bench-feed/events?after=2000&limit=1000')
  assert.deepEqual(readFeedPage({ items: [{ seq: 11 }, { seq: 12 }, { seq: 13 }], next: 13 }, 10), { count: 3, next: 13 })
  assert.deepEqual(readFeedPage({ items: [], next: 10 }, 10), { count: 0, next: 10 })
})

test('a gap, a repeat, a wrong next or not a page at all is an error that says which', () => {
  assert.throws(() => readFeedPage({ items: [{ seq: 11 }, { seq: 13 }], next: 13 }, 10), /item 1 has seq 13, not 12/)
  assert.throws(() => readFeedPage({ items: [{ seq: 10 }], next: 10 }, 10), /item 0 has seq 10, not 11/)
  assert.throws(() => readFeedPage({ items: [{ seq: 11 }], next: 12 }, 10), /next is 12, not 11/)
  assert.throws(() => readFeedPage({ type: 'about:blank', status: 401 }, 0), /not a feed page/)
})

test('pacing keeps the rate from the start, catching up after a late tick', () => {
  assert.equal(dueByNow(1000, 0, 0, 0), 0)
  assert.equal(dueByNow(1000, 0, 5, 0), 5)
  // 5 sent by 5 ms; the next tick came at 17 ms: 12 more are due.
  assert.equal(dueByNow(1000, 0, 17, 5), 12)
  assert.equal(dueByNow(1000, 100, 110, 10), 0)
  assert.equal(dueByNow(1000, 0, 3, 10), 0, 'never negative')
})

test("lags run from each create's answer to its event's receipt; duplicates and strangers do not count", () => {
  const answered = new Map([
    ['a', 100],
    ['b', 110],
    ['c', 120],
    ['d', 130],
  ])
  const received = [
    { id: 'a', atMs: 105 },
    { id: 'b', atMs: 108 }, // before its answer reached the client: no later than it
    { id: 'a', atMs: 150 }, // a redelivery
    { id: 'x', atMs: 151 }, // a user this run did not create
    { id: 'c', atMs: 300 },
  ]
  const lag = deliveryLag(answered, received)
  assert.deepEqual(lag.lags, [5, 0, 180])
  assert.equal(lag.delivered, 3)
  assert.equal(lag.missing, 1)
  assert.equal(lag.p50Ms, 5)
  assert.equal(lag.p99Ms, 180)
  // 3 events from the first answer (100 ms) to the last receipt (300 ms).
  assert.equal(lag.perSecond, 15)
})

test('nothing received: no rate, no percentiles', () => {
  const lag = deliveryLag(new Map([['a', 1]]), [])
  assert.equal(lag.delivered, 0)
  assert.equal(lag.perSecond, 0)
  assert.ok(Number.isNaN(lag.p50Ms))
})
