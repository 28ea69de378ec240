/**
 * Seqs at the store: what writers leave, what the sequencer numbers, and the feed's promise
 * (gap-free, increasing, visibility order) with concurrent writers, rollbacks, a second
 * process and a process that died between its commit and the numbering.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { Store, Tenant, TenantTransaction } from '../../src/store/contract.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { postgresDialect } from '../../src/store/postgres/postgres-dialect.js'
import { PostgresRunner } from '../../src/store/postgres/run-postgres.js'
import type { EventRecord, NewEvent } from '../../src/store/records/event.js'
import { EventQueries } from '../../src/store/sql/event-queries.js'
import { SEQUENCE_BATCH } from '../../src/store/sql/event-sequencer.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { STORES } from '../helpers/harness.js'

const event = (type: string, data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  at: new Date().toISOString(),
  resourceType: 'Test',
  resourceId: null,
  requestId: null,
  logEntryId: null,
  data,
})

/** Every row of the tenant, numbered or not, in write order. */
async function rows(store: Store, tenantId: string): Promise<{ seq: number | null; type: string }[]> {
  const sql = 'SELECT seq, type FROM events WHERE tenant_id = $1 ORDER BY pk'
  if (store instanceof SqliteStore) return store.database.prepare(sql.replace('$1', '?')).all(tenantId) as { seq: number | null; type: string }[]
  const { rows } = await (store as PostgresStore).pool.query<{ seq: string | null; type: string }>(sql, [tenantId])
  return rows.map((r) => ({ seq: r.seq === null ? null : Number(r.seq), type: r.type }))
}

/** Everything the feed holds for the tenant, page by page as a consumer reads it. */
async function readAll(store: Store, tenantId: string, after = 0): Promise<EventRecord[]> {
  const all: EventRecord[] = []
  for (;;) {
    const page = await store.eventFeed.list(tenantId, after, 100)
    if (page.length === 0) return all
    all.push(...page)
    after = page.at(-1)!.seq
  }
}

const seqs = (events: readonly { seq: number }[]) => events.map((e) => e.seq)
const upTo = (n: number, from = 1) => Array.from({ length: n - from + 1 }, (_, i) => from + i)

/**
 * Commits `events` for the tenant the way a PostgreSQL writer does, on a connection of its
 * own, and then stops: no sequencer is told, as when the process dies right after COMMIT.
 */
async function commitAndDie(store: PostgresStore, tenant: Tenant, events: readonly NewEvent[]): Promise<void> {
  const client = await store.pool.connect()
  try {
    await client.query('BEGIN')
    await new PostgresRunner().run(new EventQueries(postgresDialect, tenant).append(events), client)
    await client.query('COMMIT')
  } finally {
    client.release()
  }
}

for (const { name, open } of STORES) {
  describe(`event seqs [${name}]`, () => {
    let store: Store
    let n = 0
    const tenant = () => store.createTenant('organization', `seq-${++n}`, {})
    const append = (t: Tenant, events: readonly NewEvent[], fn?: (tx: TenantTransaction) => Promise<void>) =>
      store.forTenant(t).transaction(async (tx) => {
        await tx.events.append(events)
        await fn?.(tx)
      })

    before(async () => {
      store = await open()
      await store.migrate()
    })
    after(() => store.close())

    test('a rolled-back write leaves no event and no gap', async () => {
      const t = await tenant()
      await append(t, [event('a.1'), event('a.2')])
      await assert.rejects(
        append(t, [event('lost.1'), event('lost.2')], async () => {
          throw new Error('the write fails after its events')
        }),
        /after its events/,
      )
      await append(t, [event('b.1')])
      await store.sequenceEvents()
      assert.deepEqual(
        (await rows(store, t.id)).map((r) => r.type),
        ['a.1', 'a.2', 'b.1'],
        'nothing of the rolled-back write, numbered or not',
      )
      const read = await readAll(store, t.id)
      assert.deepEqual(seqs(read), [1, 2, 3])
      assert.deepEqual(
        read.map((e) => e.type),
        ['a.1', 'a.2', 'b.1'],
      )
      assert.equal(await store.forTenant(t).transaction((tx) => tx.events.lastSeq()), 3)
    })

    test('events committed without a seq (a process that died first) get theirs at the next look, after the rest', async () => {
      const t = await tenant()
      await append(t, [event('before')])
      await store.sequenceEvents()
      const orphans = [event('orphan.1'), event('orphan.2'), event('orphan.3')]
      if (store instanceof PostgresStore) await commitAndDie(store, t, orphans)
      else if (store instanceof SqliteStore) {
        // SQLite's writers number their own events; rows without a seq can only come from elsewhere.
        const insert = store.database.prepare(
          'INSERT INTO events (tenant_id, seq, id, type, at, data) VALUES (?, NULL, ?, ?, ?, ?)',
        )
        for (const o of orphans) insert.run(t.id, o.id, o.type, o.at, '{}')
      }
      assert.deepEqual(seqs(await readAll(store, t.id)), [1], 'the feed never shows a row without its seq')
      assert.deepEqual(
        (await rows(store, t.id)).map((r) => r.seq),
        [1, null, null, null],
        'the rows are there, waiting',
      )
      await store.sequenceEvents()
      const read = await readAll(store, t.id)
      assert.deepEqual(seqs(read), [1, 2, 3, 4])
      assert.deepEqual(
        read.map((e) => e.type),
        ['before', 'orphan.1', 'orphan.2', 'orphan.3'],
        'in the order they were written',
      )
      assert.deepEqual(
        read.slice(1).map((e) => e.id),
        orphans.map((o) => o.id),
      )
    })

    test('more rows than one numbering takes are numbered in several, without a gap', async () => {
      const t = await tenant()
      const many = Array.from({ length: SEQUENCE_BATCH + 7 }, (_, i) => event('many', { i }))
      await append(t, many)
      await store.sequenceEvents()
      const read = await readAll(store, t.id)
      assert.deepEqual(seqs(read), upTo(many.length))
      assert.deepEqual(
        read.map((e) => e.data.i),
        many.map((_, i) => i),
      )
    })

    test('announces the tenant once its events are readable', async () => {
      const t = await tenant()
      const other = await tenant()
      const heard: number[] = []
      const off = store.onEvents(t.id, () => heard.push(1))
      const offOther = store.onEvents(other.id, () => assert.fail('another tenant was announced'))
      try {
        const readable = new Promise<EventRecord[]>((resolve) => {
          const stop = store.onEvents(t.id, () => {
            stop()
            resolve(store.eventFeed.list(t.id, 0, 10))
          })
        })
        await append(t, [event('x')])
        assert.deepEqual(
          (await readable).map((e) => e.type),
          ['x'],
          'readable when announced',
        )
        await store.sequenceEvents()
        assert.ok(heard.length >= 1)
      } finally {
        off()
        offOther()
      }
    })

    test('concurrent writers, some rolled back, and a consumer that keeps its last seq: every committed event once, in order', async () => {
      const t = await tenant()
      // On PostgreSQL a second store on the same database stands in for a second process: its
      // own sequencer races this one's for the tenant.
      const stores = store instanceof PostgresStore ? [store, new PostgresStore(store.pool)] : [store]
      const writers = 8
      const each = 12
      let writing = true
      const seen: EventRecord[] = []
      const consumer = (async () => {
        let last = 0
        for (;;) {
          const page = await store.eventFeed.list(t.id, last, 7)
          seen.push(...page)
          if (page.length) last = page.at(-1)!.seq
          else if (!writing) return
          else await new Promise((resolve) => setTimeout(resolve, 2))
        }
      })()
      const committed: string[] = []
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const mine = stores[w % stores.length]!.forTenant(t)
          for (let i = 0; i < each; i++) {
            const batch = [event(`w${w}`, { i, part: 0 }), event(`w${w}`, { i, part: 1 })]
            const fails = i % 5 === 4
            const written = mine.transaction(async (tx) => {
              await tx.events.append(batch)
              if (fails) throw new Error('rolled back')
            })
            if (fails) await assert.rejects(written, /rolled back/)
            else {
              await written
              committed.push(...batch.map((e) => e.id))
            }
          }
        }),
      )
      for (const s of stores) await s.sequenceEvents()
      writing = false
      await consumer
      assert.deepEqual(seqs(seen), upTo(seen.length), 'every seq once, in order, none skipped')
      assert.deepEqual(new Set(seen.map((e) => e.id)), new Set(committed), 'exactly the committed events')
      assert.equal(seen.length, committed.length)
      for (let w = 0; w < writers; w++) {
        const own = seen.filter((e) => e.type === `w${w}`).map((e) => `${e.data.i}.${e.data.part}`)
        assert.deepEqual(own, [...own].sort((a, b) => Number(a) - Number(b)), `writer ${w}'s events in its commit order`)
      }
    })

    if (name === 'postgres') {
      test('a writer of a tenant does not wait for another one that has appended events and not committed', async () => {
        const t = await tenant()
        let release!: () => void
        const held = new Promise<void>((resolve) => (release = resolve))
        let appended!: () => void
        const hasAppended = new Promise<void>((resolve) => (appended = resolve))
        const slow = append(t, [event('slow')], async () => {
          appended()
          await held
        })
        await hasAppended
        // With a counter bumped by writers this would wait for `slow` to commit, i.e. forever.
        await append(t, [event('quick')])
        await store.sequenceEvents()
        assert.deepEqual(
          (await readAll(store, t.id)).map((e) => e.type),
          ['quick'],
          'the committed write is readable; the open one is not',
        )
        release()
        await slow
        await store.sequenceEvents()
        const read = await readAll(store, t.id)
        assert.deepEqual(
          read.map((e) => e.type),
          ['quick', 'slow'],
          'seq order is the order they became visible',
        )
        assert.deepEqual(seqs(read), [1, 2])
      })
    }
  })
}
