import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, test } from 'node:test'
import { parseFilter } from '../../scim/filter/parse-filter.js'
import { defaultRegistry } from '../../scim/schema/resource-types.js'
import type { NewResource, ResourceTypeId, TenantTransaction } from '../contract.js'
import type { Statement } from '../sql/statement.js'
import { openStore } from '../open-store.js'
import { storeContractSuite } from '../../../test/store/store-contract-suite.js'
import { SqliteStore } from './sqlite-store.js'
import { walLimit } from './checkpointer.js'

const dir = mkdtempSync(join(tmpdir(), 'roster-sqlite-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

storeContractSuite('sqlite (memory)', async (observe) => SqliteStore.open(':memory:', { observe }))
storeContractSuite('sqlite (file)', async (observe) => {
  const path = join(dir, `nested-${++files}`, 'roster.db')
  mkdirSync(dirname(path), { recursive: true })
  return SqliteStore.open(path, { observe })
})

const USER = defaultRegistry().require('User')
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'

async function openSqlite(url = 'sqlite::memory:'): Promise<SqliteStore> {
  const store = await openStore(url)
  await store.migrate()
  assert.ok(store instanceof SqliteStore)
  return store
}

const user = (id: string, userName: string): NewResource => ({
  id,
  resourceType: 'User',
  created: '2024-01-01T00:00:00.000Z',
  lastModified: '2024-01-01T00:00:00.000Z',
  document: {
    schemas: [USER_URN],
    userName,
    emails: [{ value: `${userName}@example.com`, type: 'work' }],
    active: true,
  },
})


describe('openStore', () => {
  test('sqlite:<path> creates the parent directory and the file', async () => {
    const path = join(dir, 'a', 'b', 'c.db')
    const store = await openStore(`sqlite:${path}`)
    await store.migrate()
    assert.ok(store instanceof SqliteStore)
    assert.ok(existsSync(path))
    await store.close()
  })

  test('data in a file survives reopening; migrate() on an up-to-date file changes nothing', async () => {
    const url = `sqlite:${join(dir, 'reopen.db')}`
    const first = await openStore(url)
    await first.migrate()
    const tenant = await first.createTenant('organization', 'acme')
    const instance = await first.findTenant('instance', '')
    await first.close()
    const second = await openStore(url)
    await second.migrate()
    assert.deepEqual(await second.findTenant('organization', 'acme'), tenant)
    assert.deepEqual(await second.findTenant('instance', ''), instance)
    await second.close()
  })

  test('unknown schemes are named without the rest of the URL', async () => {
    await assert.rejects(
      openStore('mysql://u:secret@db/x'),
      (e: Error) => /'mysql:'/.test(e.message) && !e.message.includes('secret'),
    )
    await assert.rejects(openStore('sqlite:'), /names no file/)
  })
})

describe('SqliteStore', () => {
  test('pragmas: WAL, synchronous NORMAL, busy timeout, foreign keys', async () => {
    const store = await openSqlite(`sqlite:${join(dir, 'pragmas.db')}`)
    const db = store.database
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
    assert.equal(db.pragma('synchronous', { simple: true }), 1)
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000)
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1)
    await store.close()
  })

  test('a tx used after its transaction ended refuses to run', async () => {
    const store = await openSqlite()
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    let leaked: TenantTransaction | undefined
    await ts.transaction(async (tx) => {
      leaked = tx
    })
    await assert.rejects(leaked!.insert(user('late', 'late')), TypeError)
    assert.equal(await ts.get('User', 'late'), undefined)
    await store.close()
  })

  test('group commit: concurrent transactions commit together, a failing one rolls back alone', async () => {
    const store = await openSqlite(`sqlite:${join(dir, `group-${++files}`, 'roster.db')}`)
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        ts.transaction(async (tx) => {
          await tx.insert(user(`u${i}`, `user${i}`))
          if (i % 7 === 3) throw new Error(`fail ${i}`)
          // Two writes in one transaction: both or neither.
          await tx.insert(user(`v${i}`, `second${i}`))
          return i
        }),
      ),
    )
    for (const [i, outcome] of outcomes.entries()) {
      const failed = i % 7 === 3
      assert.equal(outcome.status, failed ? 'rejected' : 'fulfilled', `transaction ${i}`)
      assert.equal((await ts.get('User', `u${i}`)) === undefined, failed, `u${i}`)
      assert.equal((await ts.get('User', `v${i}`)) === undefined, failed, `v${i}`)
    }
    // A uniqueness failure inside a batch is that transaction's alone.
    const clash = await Promise.allSettled([
      ts.transaction((tx) => tx.insert(user('w1', 'same'))),
      ts.transaction((tx) => tx.insert(user('w2', 'SAME'))),
      ts.transaction((tx) => tx.insert(user('w3', 'other'))),
    ])
    assert.deepEqual(clash.map((c) => c.status), ['fulfilled', 'rejected', 'fulfilled'])
    assert.equal((clash[1] as PromiseRejectedResult).reason.status, 409)
    await store.close()
  })

  test('group commit: a failing savepoint statement fails its whole batch, rolls back, and nothing hangs', async () => {
    const store = await openSqlite()
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    const outcomes = await Promise.allSettled([
      ts.transaction((tx) => tx.insert(user('s1', 'batch1'))),
      ts.transaction(async (tx) => {
        await tx.insert(user('s2', 'batch2'))
        // Sabotage: end the savepoint behind the store's back, so its RELEASE fails.
        store.database.exec('RELEASE tx')
      }),
      ts.transaction((tx) => tx.insert(user('s3', 'batch3'))),
    ])
    assert.deepEqual(outcomes.map((o) => o.status).slice(0, 2), ['rejected', 'rejected'])
    assert.equal(await ts.get('User', 's1'), undefined, 'the batch was rolled back')
    assert.equal(await ts.get('User', 's2'), undefined)
    await ts.transaction((tx) => tx.insert(user('s4', 'after')))
    assert.ok(await ts.get('User', 's4'), 'the store still works')
    await store.close()
  })

  test('WAL checkpoints happen in the background (automatic checkpoints are off)', async () => {
    const path = join(dir, `checkpoint-${++files}`, 'roster.db')
    const store = await openSqlite(`sqlite:${path}`)
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    const before = statSync(path).size
    await Promise.all(Array.from({ length: 500 }, (_, i) => ts.transaction((tx) => tx.insert(user(`c${i}`, `checkpointed${i}`)))))
    assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 0)
    // Only the checkpoint worker copies pages from the WAL into the database file.
    const deadline = Date.now() + 5000
    while (statSync(path).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    assert.ok(statSync(path).size > before, 'the database file grew: the WAL was checkpointed')
    await store.close()
  })

  test('a WAL past its limit is checkpointed whole and truncated, however busy the writers', async (t) => {
    const frames = walLimit.frames
    walLimit.frames = 64
    t.after(() => void (walLimit.frames = frames))
    const path = join(dir, `wal-limit-${++files}`, 'roster.db')
    const store = await openSqlite(`sqlite:${path}`)
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    const wal = () => statSync(`${path}-wal`).size
    let largest = 0
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => ts.insert(user(`w${round}-${i}`, `wal${round}-${i}`))))
      largest = Math.max(largest, wal())
    }
    const deadline = Date.now() + 5000
    while (wal() > 64 * 4096 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    assert.ok(wal() <= 64 * 4096, `the WAL went back under its limit: ${wal()} bytes (largest ${largest})`)
    assert.equal((await ts.list(USER, { startIndex: 1, count: 0 })).totalResults, 2000)
    await store.close()
  })

  test('repeated filter shapes reuse one prepared statement, whatever the values', async () => {
    const store = await openSqlite()
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    const prepare = store.database.prepare.bind(store.database)
    let prepared = 0
    store.database.prepare = ((sql: string) => {
      prepared++
      return prepare(sql)
    }) as typeof store.database.prepare
    const list = (name: string) =>
      ts.list(USER, {
        filter: parseFilter(`userName eq "${name}" and emails co "x"`),
        startIndex: 1,
        count: 10,
      })
    await list('a')
    const afterFirst = prepared
    for (let i = 0; i < 50; i++) await list(`name${i}`)
    assert.equal(prepared, afterFirst)
    await store.close()
  })

  test('the statement cache is bounded', async () => {
    const store = SqliteStore.open(':memory:', { statementCacheSize: 20 })
    await store.migrate()
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    for (let i = 0; i < 60; i++) {
      await ts.list(USER, {
        filter: parseFilter(`title eq "x"${' or title eq "y"'.repeat(i)}`),
        startIndex: 1,
        count: 1,
      })
    }
    assert.equal(store.cachedStatements, 20)
    assert.equal((await ts.list(USER, { startIndex: 1, count: 1 })).totalResults, 0)
    await store.close()
  })
})

/**
 * Cost guarded by counting, not timing (timings go to `npm run bench`): how many statements a
 * request runs, and that each is answered through an index, not a scan.
 */
describe('SqliteStore query plans and statement counts', () => {
  /** The store's statements while `fn` runs, and SQLite's plan of each. */
  async function observed(
    open: (observe: (s: Statement) => void) => SqliteStore,
    fn: (store: SqliteStore, statements: Statement[]) => Promise<void>,
  ): Promise<{ statements: Statement[]; plans: string[][] }> {
    const statements: Statement[] = []
    let recording = false
    const store = open((s) => recording && statements.push(s))
    try {
      await store.migrate()
      recording = true
      await fn(store, statements)
      recording = false
      const plans = statements.map((s) =>
        (store.database.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as { detail: string }[]).map((r) => r.detail),
      )
      return { statements, plans }
    } finally {
      await store.close()
    }
  }
  const scans = (plan: string[]) => plan.filter((d) => /^SCAN (r|m|resources|memberships)\b/.test(d))

  test('userName eq at 100,000 users: one statement, on the unique index', async () => {
    const { statements, plans } = await observed(
      (observe) => SqliteStore.open(':memory:', { observe }),
      async (store, statements) => {
        const ts = store.forTenant(await store.createTenant('organization', 'big'))
        await ts.transaction(async (tx) => {
          for (let i = 0; i < 100_000; i++) await tx.insert(user(`u${i}`, `user${i}`))
        })
        statements.length = 0
        const found = await ts.list(USER, { filter: parseFilter('userName eq "USER77777"'), startIndex: 1, count: 10 })
        assert.equal(found.totalResults, 1)
      },
    )
    assert.equal(statements.length, 1, statements.map((s) => s.sql).join('\n'))
    assert.ok(
      plans[0]!.some((d) => /USING (COVERING )?INDEX resources_user_name \(tenant_id=\? AND user_name_fold=\?\)/.test(d)),
      plans[0]!.join('\n'),
    )
  })

  test('a create is two statements (the row, its count), neither a scan', async () => {
    const { statements, plans } = await observed(
      (observe) => SqliteStore.open(':memory:', { observe }),
      async (store, statements) => {
        const ts = store.forTenant(await store.createTenant('organization', 'speed'))
        for (let i = 0; i < 10; i++) await ts.insert(user(`w${i}`, `warm${i}`))
        statements.length = 0
        await ts.insert(user('u1', 'user1'))
      },
    )
    assert.deepEqual(
      statements.map((s) => /^INSERT INTO (\w+)/.exec(s.sql)?.[1]),
      ['resources', 'resource_counts'],
    )
    for (const plan of plans) assert.deepEqual(scans(plan), [], plan.join('\n'))
  })

  test('adding 100 members is one statement whatever the size of the group, probing the member key', async () => {
    const members = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: `m${from + i}`, type: 'User' as ResourceTypeId }))
    const counts: Record<string, number> = {}
    const { statements, plans } = await observed(
      (observe) => SqliteStore.open(':memory:', { observe }),
      async (store, statements) => {
        const ts = store.forTenant(await store.createTenant('organization', 'groups'))
        await ts.transaction(async (tx) => {
          await tx.addMembers('small', members(0, 100))
          await tx.addMembers('large', members(0, 10_000))
        })
        for (const group of ['small', 'large']) {
          const before = statements.length
          await ts.transaction((tx) => tx.addMembers(group, members(1_000_000, 100)))
          counts[group] = statements.length - before
        }
        assert.equal((await ts.members('large')).length, 10_100)
      },
    )
    assert.deepEqual(counts, { small: 1, large: 1 })
    for (const [i, plan] of plans.entries()) {
      if (/^INSERT INTO memberships/.test(statements[i]!.sql)) assert.deepEqual(scans(plan), [], plan.join('\n'))
    }
  })
})
