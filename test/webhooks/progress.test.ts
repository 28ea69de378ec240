/**
 * Batched progress (src/provisioning/webhooks/progress.ts) on its own: when a batch is written,
 * that writes keep their order and never move the cursor past what was dealt with, and that
 * `flush()` waits for every write and reports a lost claim or a failed write.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Progress, type WriteProgress } from '../../src/provisioning/webhooks/progress.js'
import type { NewWebhookDelivery } from '../../src/store/records/webhook.js'
import { waitFor } from '../email/smtp-sink.js'

const delivered = (seq: number): NewWebhookDelivery => ({
  id: `d${seq}`,
  tenantId: 't',
  endpointId: 'e',
  eventSeq: seq,
  eventId: `e${seq}`,
  eventType: 'user.created',
  kind: 'event',
  attempt: 1,
  at: new Date(0).toISOString(),
  outcome: 'delivered',
  status: 204,
  latencyMs: 1,
  response: null,
  error: null,
})

/** The writes asked for, as [the records' seqs, the cursor]; each resolves when `answer` says. */
function recorder(answer: () => Promise<boolean> = async () => true) {
  const writes: [number[], number][] = []
  const write: WriteProgress = async (records, cursor) => {
    writes.push([records.map((r) => r.eventSeq), cursor])
    return answer()
  }
  return { writes, write }
}

const NEVER_BY_TIME = 600_000

describe('webhook progress in batches', () => {
  test('a batch is written once `events` are waiting, and the rest at the flush', async () => {
    const { writes, write } = recorder()
    const progress = new Progress(10, write, { events: 3, ms: NEVER_BY_TIME })
    for (const seq of [11, 12]) progress.dealtWith(delivered(seq))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(writes, [], 'nothing written before the batch is full')
    progress.dealtWith(delivered(14))
    await waitFor('the full batch', () => writes.length === 1)
    assert.deepEqual(writes, [[[11, 12, 14], 14]])
    progress.dealtWith(delivered(15))
    progress.skipped(20)
    assert.equal(await progress.flush(), true)
    assert.deepEqual(writes, [[[11, 12, 14], 14], [[15], 20]], 'skipped events move the cursor with the next write')
    assert.equal(await progress.flush(), true)
    assert.equal(writes.length, 2, 'nothing more to write')
  })

  test('a batch is written `ms` after its first event, without a flush', async () => {
    const { writes, write } = recorder()
    const progress = new Progress(0, write, { events: 100, ms: 5 })
    progress.dealtWith(delivered(1))
    progress.dealtWith(delivered(2))
    await waitFor('the timed write', () => writes.length === 1)
    assert.deepEqual(writes, [[[1, 2], 2]])
    await progress.flush()
  })

  test('writes go one after the other; flush waits for all of them', async () => {
    let inFlight = 0
    let most = 0
    const finishing: (() => void)[] = []
    const { writes, write } = recorder(async () => {
      most = Math.max(most, ++inFlight)
      await new Promise<void>((resolve) => finishing.push(resolve))
      inFlight--
      return true
    })
    const progress = new Progress(0, write, { events: 1, ms: NEVER_BY_TIME })
    progress.dealtWith(delivered(1))
    progress.dealtWith(delivered(2))
    let flushed = false
    const flush = progress.flush().then(() => (flushed = true))
    await waitFor('the first write', () => finishing.length === 1)
    finishing.shift()!()
    await waitFor('the second write', () => finishing.length === 1)
    assert.equal(flushed, false, 'the flush waits for the last write')
    finishing.shift()!()
    await flush
    assert.equal(most, 1, 'never two writes at once')
    assert.deepEqual(writes, [[[1], 1], [[2], 2]])
  })

  test('a lost claim stops the work; the attempts are still logged', async () => {
    const { writes, write } = recorder(async () => false)
    const progress = new Progress(0, write, { events: 1, ms: NEVER_BY_TIME })
    progress.dealtWith(delivered(1))
    assert.equal(await progress.flush(), false)
    assert.equal(progress.ok, false)
    progress.dealtWith(delivered(2))
    assert.equal(await progress.flush(), false)
    assert.deepEqual(writes, [[[1], 1], [[2], 2]])
  })

  test('a failed write is thrown at the flush, and nothing is written after it', async () => {
    const { writes, write } = recorder(async () => {
      throw new Error('database down')
    })
    const progress = new Progress(0, write, { events: 1, ms: NEVER_BY_TIME })
    progress.dealtWith(delivered(1))
    await assert.rejects(progress.flush(), /database down/)
    assert.equal(progress.ok, false)
    progress.dealtWith(delivered(2))
    await assert.rejects(progress.flush(), /database down/)
    assert.deepEqual(writes, [[[1], 1]], 'the cursor is left where the last good write put it')
  })
})

describe('webhook progress keeps the unrecorded tail bounded', () => {
  test('while a second batch waits behind a write, the next send waits', async () => {
    const finishing: (() => void)[] = []
    const { write } = recorder(
      () =>
        new Promise<boolean>((resolve) => {
          finishing.push(() => resolve(true))
        }),
    )
    const progress = new Progress(0, write, { events: 2, ms: NEVER_BY_TIME })
    for (const seq of [1, 2]) progress.dealtWith(delivered(seq))
    let roomy = false
    await progress.room().then(() => (roomy = true))
    assert.equal(roomy, true, 'one write under way leaves room')
    for (const seq of [3, 4]) progress.dealtWith(delivered(seq))
    roomy = false
    const room = progress.room().then(() => (roomy = true))
    await waitFor('the first write', () => finishing.length === 1)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(roomy, false, 'a second batch queued: no room')
    finishing.shift()!()
    await waitFor('the second write', () => finishing.length === 1)
    finishing.shift()!()
    await room
    assert.equal(await progress.flush(), true)
  })
})
