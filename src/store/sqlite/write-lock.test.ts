import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, test } from 'node:test'
import type { NewResource } from '../contract.js'
import { isDatabaseUnavailable } from '../database-unavailable.js'
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'

const dir = mkdtempSync(join(tmpdir(), 'roster-write-lock-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

const user = (id: string): NewResource => ({
  id,
  resourceType: 'User',
  created: '2024-01-01T00:00:00.000Z',
  lastModified: '2024-01-01T00:00:00.000Z',
  document: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: id, active: true },
})

/**
 * A file store, and a second connection to the same file: it takes the write lock the way the
 * checkpoint worker's TRUNCATE or another process does. It runs on this thread, so it can let go
 * only if the store's waiting leaves the event loop free.
 */
async function open(options: SqliteStoreOptions = {}) {
  const path = join(dir, `${++files}.db`)
  const store = SqliteStore.open(path, options)
  await store.migrate()
  const ts = store.forTenant((await store.findTenant('instance', ''))!)
  const other = new Database(path)
  return { store, ts, other }
}

/** Resolves once the store has found the lock held `n` times (counted, not timed). */
async function busyFor(store: SqliteStore, n: number): Promise<void> {
  while (store.busyAttempts < n) await sleep(1)
}

const settledFlag = (p: Promise<unknown>) => {
  const state = { settled: false }
  p.then(
    () => void (state.settled = true),
    () => void (state.settled = true),
  )
  return state
}

describe('SqliteStore waits for a write lock held by another connection', () => {
  test('a write queued while another connection holds the lock waits, reads go on, and it commits once the lock is free', async () => {
    const { store, ts, other } = await open()
    await ts.insert(user('before'))
    other.exec('BEGIN IMMEDIATE')
    // Several requests arrive while the lock is held: all wait, none fails.
    const writes = ['w1', 'w2', 'w3'].map((id) => ts.insert(user(id)))
    const states = writes.map(settledFlag)
    await busyFor(store, 3)
    // SQLite's busy handler would have slept on this thread until it gave up; the event loop
    // answers reads instead.
    assert.ok(await ts.get('User', 'before'), 'a read is answered while the write waits')
    assert.deepEqual(states.map((s) => s.settled), [false, false, false], 'the writes are still waiting')
    other.exec('COMMIT')
    await Promise.all(writes)
    for (const id of ['w1', 'w2', 'w3']) assert.ok(await ts.get('User', id), id)
    other.close()
    await store.close()
  })

  test('sequenceEvents (a write of its own) waits the same way', async () => {
    const { store, other } = await open()
    const tenant = (await store.findTenant('instance', ''))!
    // An event written without a seq (as by another writer), which the store numbers in a write
    // transaction of its own.
    other
      .prepare(`INSERT INTO events (tenant_id, id, type, at, data) VALUES (?, 'e1', 'user.created', '2024-01-01T00:00:00.000Z', '{}')`)
      .run(tenant.id)
    other.exec('BEGIN IMMEDIATE')
    const sequenced = store.sequenceEvents()
    const state = settledFlag(sequenced)
    await busyFor(store, store.busyAttempts + 2)
    assert.equal(state.settled, false)
    other.exec('COMMIT')
    await sequenced
    assert.equal(other.prepare(`SELECT seq FROM events WHERE id = 'e1'`).pluck().get(), 1)
    other.close()
    await store.close()
  })

  test('a write fails with 503 only once it has waited the busy timeout, by the clock; later writes still commit', async () => {
    const timeout = 200
    const { store, ts, other } = await open({ busyTimeoutMs: timeout })
    other.exec('BEGIN IMMEDIATE')
    const started = performance.now()
    const outcome = await ts.insert(user('late')).then(
      () => 'committed',
      (e: unknown) => e,
    )
    const waited = performance.now() - started
    assert.ok(isDatabaseUnavailable(outcome), `503, not ${String(outcome)}`)
    assert.equal(((outcome as Error).cause as { code?: string }).code, 'SQLITE_BUSY')
    assert.ok(waited >= timeout - 1, `failed after ${waited.toFixed(0)} ms, before the ${timeout} ms busy timeout`)
    assert.ok(store.busyAttempts > 1, 'it tried again while it waited')
    other.exec('COMMIT')
    assert.equal(await ts.get('User', 'late'), undefined)
    await ts.insert(user('after'))
    assert.ok(await ts.get('User', 'after'))
    other.close()
    await store.close()
  })

  test('each write gets the whole busy timeout from when it was queued', async () => {
    const timeout = 400
    const { store, ts, other } = await open({ busyTimeoutMs: timeout })
    other.exec('BEGIN IMMEDIATE')
    const first = ts.insert(user('first'))
    const firstState = settledFlag(first)
    await busyFor(store, 1)
    // Queued well after the first: its deadline is later, so it outlives the first one's 503.
    const queued = performance.now()
    while (performance.now() - queued < 0.5 * timeout) await sleep(5)
    const second = ts.insert(user('second'))
    await assert.rejects(first, isDatabaseUnavailable)
    assert.ok(firstState.settled)
    other.exec('COMMIT')
    await second
    assert.ok(await ts.get('User', 'second'))
    other.close()
    await store.close()
  })

  test('the connection keeps its busy timeout for every other statement', async () => {
    const { store, ts, other } = await open({ busyTimeoutMs: 1234 })
    other.exec('BEGIN IMMEDIATE')
    const write = ts.insert(user('x'))
    await busyFor(store, 1)
    assert.equal(store.database.pragma('busy_timeout', { simple: true }), 1234)
    other.exec('COMMIT')
    await write
    assert.equal(store.database.pragma('busy_timeout', { simple: true }), 1234)
    other.close()
    await store.close()
  })
})
