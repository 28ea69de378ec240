import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { isScimError } from '../../scim/errors.js'
import { parseDateTime } from '../../scim/filter/filter-attribute.js'
import type { Filter } from '../../scim/filter/ast.js'
import { parseFilter } from '../../scim/filter/parse-filter.js'
import { defaultRegistry } from '../../scim/schema/resource-types.js'
import type { NewResource, ResourceTypeId, TenantStore, TenantTransaction } from '../contract.js'
import { foldCase as fold } from '../../scim/fold-case.js'
import { openStore } from '../open-store.js'
import { compileFilter } from '../sql/compile-filter.js'
import { storeContractSuite } from '../../../test/store/store-contract-suite.js'
import { redactDatabaseUrl } from './database-url.js'
import { MIGRATIONS, migrate } from './migrations.js'
import { DEFAULT_POOL_SIZE, PostgresStore } from './postgres-store.js'
import { DATE_TIME_FUNCTION, postgresDialect } from './postgres-dialect.js'
import { skipMessage, testPostgres } from '../../../test/helpers/test-postgres.js'

const found = await testPostgres()

describe('redactDatabaseUrl', () => {
  test('hides the password, in the authority or the query string', () => {
    assert.equal(
      redactDatabaseUrl('postgres://roster:s3cret@db.example.com:5432/roster?sslmode=require'),
      'postgres://roster:***@db.example.com:5432/roster?sslmode=require',
    )
    assert.equal(redactDatabaseUrl('postgresql://db/roster?password=s3cret'), 'postgresql://db/roster?password=***')
    assert.equal(redactDatabaseUrl('postgres://postgres@127.0.0.1/test'), 'postgres://postgres@127.0.0.1/test')
    assert.equal(redactDatabaseUrl('postgres://u:s3cret@[bad'), 'postgres://…')
  })

  test('openStore: a bad or unreachable PostgreSQL URL fails without showing the password', async () => {
    await assert.rejects(
      openStore('postgres://u:s3cret@[bad/db'),
      (e: Error) => /not a valid PostgreSQL URL/.test(e.message) && !e.message.includes('s3cret'),
    )
    await assert.rejects(
      openStore('postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=1'),
      (e: Error) =>
        e.message.startsWith('cannot connect to PostgreSQL at postgresql://u:***@127.0.0.1:1/db') &&
        !e.message.includes('s3cret'),
    )
  })
})

if (!found.available) {
  // The one place the run says so; the other PostgreSQL suites are simply not registered.
  test('PostgreSQL', { skip: skipMessage(found.reason) }, () => undefined)
} else {
  const { postgres } = found
  const USER = defaultRegistry().require('User')
  const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
  const root = fileURLToPath(new URL('../../../../', import.meta.url))

  storeContractSuite('postgres', (observe) => postgres.openStore({ observe }))

  test('openStore: the pool holds DEFAULT_POOL_SIZE connections at most, or the size asked for', async () => {
    const scratch = await postgres.scratchSchema()
    const sized = (await openStore(scratch.url, { poolSize: 3 })) as PostgresStore
    const plain = (await openStore(scratch.url)) as PostgresStore
    try {
      assert.equal(sized.pool.options.max, 3)
      assert.equal(plain.pool.options.max, DEFAULT_POOL_SIZE)
    } finally {
      await sized.close()
      await plain.close()
      await scratch.drop()
    }
  })

  const user = (id: string, userName: string, extra: Record<string, unknown> = {}): NewResource => ({
    id,
    resourceType: 'User',
    created: '2024-01-01T00:00:00.000Z',
    lastModified: '2024-01-01T00:00:00.000Z',
    document: { schemas: [USER_URN], userName, ...extra },
  })

  /**
   * Every statement any pooled client sends from now until the test ends (the store binds
   * `pool.query` when it opens, so the pool itself cannot be wrapped afterwards).
   */
  const captureStatements = (t: TestContext) => {
    const sent: { name?: string; text: string }[] = []
    const original = pg.Client.prototype.query
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0]
      if (first !== null && typeof first === 'object' && 'text' in first) sent.push(first as { name?: string; text: string })
      else if (typeof first === 'string') sent.push({ text: first })
      return (original as (...a: unknown[]) => unknown).apply(this, args)
    } as typeof original
    t.after(() => void (pg.Client.prototype.query = original))
    return sent
  }

  /** A migrated store and its instance tenant; closed when the test ends, passed or failed. */
  const open = async (t: TestContext, settings?: Record<string, string>) => {
    const store = await postgres.openStore(settings && { settings }).catch(() => postgres.openStore())
    t.after(() => store.close())
    await store.migrate()
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    return { store, ts }
  }

  describe('PostgresStore', () => {
    /**
     * Stores on a schema of their own, as separate processes would open it, and a pool of the
     * test's own on it. Autovacuum is off for its tables, so every ANALYZE seen is one a store
     * (or the test) ran.
     */
    const statisticsSchema = async (t: TestContext) => {
      const scratch = await postgres.scratchSchema()
      const stores: PostgresStore[] = []
      const admin = new pg.Pool({ connectionString: scratch.url, max: 1 })
      t.after(async () => {
        for (const store of stores) await store.close()
        await admin.end()
        await scratch.drop()
      })
      const open = async () => {
        const store = (await openStore(scratch.url)) as PostgresStore
        stores.push(store)
        await store.migrate()
        return { store, ts: store.forTenant((await store.findTenant('instance', ''))!) }
      }
      const first = await open()
      await admin.query('ALTER TABLE resources SET (autovacuum_enabled = false)')
      await admin.query('ALTER TABLE memberships SET (autovacuum_enabled = false)')
      const analysed = async () =>
        Number(
          (
            await admin.query<{ n: string }>(
              "SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'resources' AND schemaname = current_schema()",
            )
          ).rows[0]?.n ?? 0,
        )
      const analysedAgain = async (before: number) => {
        const deadline = Date.now() + 5000
        while ((await analysed()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        return analysed()
      }
      return { first, open, admin, analysed, analysedAgain }
    }
    const insertUsers = (ts: TenantStore, prefix: string, n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => ts.insert(user(`${prefix}-${i}`, `${prefix}-${i}`))))

    test('planner statistics: ANALYZE runs in the background once a few hundred rows are written', async (t) => {
      const { first, analysedAgain } = await statisticsSchema(t)
      await Promise.all(
        Array.from({ length: 10 }, (_, b) =>
          first.ts.transaction(async (tx) => {
            for (let i = 0; i < 60; i++) await tx.insert(user(`stat-${b}-${i}`, `stat-${b}-${i}`))
          }),
        ),
      )
      assert.equal(await analysedAgain(0), 1, 'the store analysed resources after 600 inserted rows')
    })

    test('planner statistics: a process restarted on an analysed table does not analyse it after its first 500 rows', async (t) => {
      const { first, open, admin, analysed, analysedAgain } = await statisticsSchema(t)
      await insertUsers(first.ts, 'before', 2000)
      await first.store.close() // waits for its background ANALYZE
      // Backends report their counts to the statistics views up to a second late (at the latest
      // when they exit): counted after the ANALYZE below, those 2,000 rows would be changes since.
      const deadline = Date.now() + 5000
      const inserted = async () =>
        Number(
          (
            await admin.query<{ n: string }>(
              "SELECT n_tup_ins AS n FROM pg_stat_user_tables WHERE relname = 'resources' AND schemaname = current_schema()",
            )
          ).rows[0]?.n ?? 0,
        )
      while ((await inserted()) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      await admin.query('ANALYZE resources')
      const before = await analysed()
      const restarted = await open()
      await insertUsers(restarted.ts, 'after', 500)
      await restarted.store.close()
      assert.equal(await analysed(), before, '500 rows on 2,000 known: the statistics are fresh')
      // Growth by half the rows known is stale, whoever wrote the rows.
      const next = await open()
      await insertUsers(next.ts, 'more', 1000)
      assert.equal(await analysedAgain(before), before + 1)
    })

    test('openStore accepts postgres:// and postgresql:// URLs; libpq options select the schema', async () => {
      const scratch = await postgres.scratchSchema()
      try {
        for (const url of [scratch.url, scratch.url.replace(/^postgres:/, 'postgresql:')]) {
          const store = await openStore(url)
          assert.ok(store instanceof PostgresStore)
          await store.migrate()
          assert.ok(await store.findTenant('instance', ''))
          await store.close()
        }
        const check = new pg.Client(postgres.url)
        await check.connect()
        const { rows } = await check.query(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
          [scratch.schema],
        )
        await check.end()
        assert.deepEqual(
          rows.map((r) => r.table_name),
          [
            'account_history',
            'accounts',
            'admin_sessions',
            'admin_tokens',
            'credentials',
            'event_consumers',
            'event_counters',
            'events',
            'invitations',
            'memberships',
            'outbox',
            'provisioning_log',
            'resource_counts',
            'resources',
            'schema_migrations',
            'secrets',
            'team_members',
            'teams',
            'tenants',
            'tokens',
            'webhook_deliveries',
            'webhook_endpoints',
          ],
        )
      } finally {
        await scratch.drop()
      }
    })

    test('migrations: several processes starting at once apply each migration once', async () => {
      const scratch = await postgres.scratchSchema()
      try {
        const racers = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: scratch.url, max: 1 }))
        const results = await Promise.all(racers.map((p) => migrate(p)))
        // Each migration once in all; which racer applies which one is up to the lock.
        const latest = Math.max(...MIGRATIONS.map((m) => m.version))
        for (const result of results) assert.equal(result.to, latest)
        const { rows } = await racers[0]!.query("SELECT count(*)::int AS n FROM tenants WHERE kind = 'instance'")
        assert.equal(rows[0].n, 1)
        const recorded = await racers[0]!.query('SELECT count(*)::int AS n FROM schema_migrations')
        assert.equal(recorded.rows[0].n, MIGRATIONS.length)
        assert.deepEqual(await migrate(racers[0]!), { from: latest, to: latest })
        await Promise.all(racers.map((p) => p.end()))
      } finally {
        await scratch.drop()
      }
    })

    test('concurrent read-modify-write transactions on one row take turns (FOR NO KEY UPDATE)', async (t) => {
      const { ts } = await open(t)
      await ts.transaction((tx) => tx.insert(user('u1', 'counter', { title: '0' })))
      const bump = () =>
        ts.transaction(async (tx) => {
          const current = (await tx.get('User', 'u1'))!
          // Give the others time to read the same version, were the row not locked.
          await new Promise((r) => setTimeout(r, 2))
          const title = String(Number(current.document.title) + 1)
          const updated = await tx.update(
            { id: 'u1', resourceType: 'User', lastModified: new Date().toISOString(), document: { ...current.document, title } },
            current.version,
          )
          assert.ok(updated, 'the locked row cannot have changed')
        })
      await Promise.all(Array.from({ length: 12 }, bump))
      const final = (await ts.get('User', 'u1'))!
      assert.equal(final.document.title, '12')
      assert.equal(final.version, 13)
    })

    test('a failing transaction rolls back alone; a tx used after its transaction ended refuses to run', async (t) => {
      const { ts } = await open(t)
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          ts.transaction(async (tx) => {
            await tx.insert(user(`u${i}`, `user${i}`))
            if (i % 4 === 1) throw new Error(`fail ${i}`)
            await tx.insert(user(`v${i}`, `second${i}`))
            return i
          }),
        ),
      )
      for (const [i, outcome] of outcomes.entries()) {
        const failed = i % 4 === 1
        assert.equal(outcome.status, failed ? 'rejected' : 'fulfilled', `transaction ${i}`)
        assert.equal((await ts.get('User', `u${i}`)) === undefined, failed)
        assert.equal((await ts.get('User', `v${i}`)) === undefined, failed)
      }
      let leaked: TenantTransaction | undefined
      await ts.transaction(async (tx) => {
        leaked = tx
      })
      await assert.rejects(leaked!.insert(user('late', 'late')), TypeError)
      assert.equal(await ts.get('User', 'late'), undefined)
    })

    test('a member checked by tx.existing cannot be deleted before its membership commits', async (t) => {
      const { ts } = await open(t)
      await ts.transaction(async (tx) => {
        await tx.insert(user('u', 'u'))
        await tx.insert({ ...user('g', 'g'), resourceType: 'Group', document: { displayName: 'g' } })
      })
      // The add checks the member, then takes its time; the delete starts in between.
      let checked!: () => void
      const memberChecked = new Promise<void>((r) => (checked = r))
      const add = ts.transaction(async (tx) => {
        const found = await tx.existing(['u'])
        checked()
        await new Promise((r) => setTimeout(r, 50))
        if (found.has('u')) await tx.addMembers('g', [{ value: 'u', type: 'User' }])
      })
      await memberChecked
      const removed = await ts.transaction(async (tx) => (await tx.get('User', 'u')) && tx.delete('User', 'u'))
      await add
      assert.equal(removed, true)
      assert.deepEqual(await ts.members('g'), [], 'no dangling member')
      // The other order: a delete first makes the member absent to the add.
      await ts.transaction((tx) => tx.insert(user('v', 'v')))
      let deletedRow!: () => void
      const rowDeleted = new Promise<void>((r) => (deletedRow = r))
      const del = ts.transaction(async (tx) => {
        await tx.delete('User', 'v')
        deletedRow()
        await new Promise((r) => setTimeout(r, 50))
      })
      await rowDeleted
      const seen = await ts.transaction((tx) => tx.existing(['v']))
      await del
      assert.equal(seen.has('v'), false)
    })

    test('a deadlock or serialisation failure runs the transaction again; other errors do not', async (t) => {
      const { ts } = await open(t)
      let attempts = 0
      const value = await ts.transaction(async (tx) => {
        attempts++
        await tx.insert(user(`r${attempts}`, `retry${attempts}`))
        if (attempts === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' })
        if (attempts === 2) throw Object.assign(new Error('could not serialize access'), { code: '40001' })
        return 'done'
      })
      assert.equal(value, 'done')
      assert.equal(attempts, 3)
      // The attempts that failed left nothing behind.
      assert.deepEqual([...(await ts.existing(['r1', 'r2', 'r3'])).keys()], ['r3'])
      attempts = 0
      const always = Object.assign(new Error('deadlock detected'), { code: '40P01' })
      await assert.rejects(
        ts.transaction(async () => {
          attempts++
          throw always
        }),
        (e) => e === always,
      )
      assert.equal(attempts, 3, 'three attempts in all')
      attempts = 0
      await assert.rejects(
        ts.transaction(async () => {
          attempts++
          throw Object.assign(new Error('unique'), { code: '23505' })
        }),
      )
      assert.equal(attempts, 1)
    })

    test('a real deadlock between two transactions: one is chosen, retried, and both commit', async (t) => {
      // PostgreSQL looks for deadlocks after deadlock_timeout, 1 s by default; a superuser may
      // shorten it.
      const { ts } = await open(t, { deadlock_timeout: '100ms' })
      await ts.transaction(async (tx) => {
        await tx.insert(user('a', 'a'))
        await tx.insert(user('b', 'b'))
      })
      let attempts = 0
      // Each waits until both hold their first row: a deadlock however slow the machine is.
      let locked = 0
      let bothLocked!: () => void
      const barrier = new Promise<void>((resolve) => (bothLocked = resolve))
      const both = await Promise.all(
        [
          ['a', 'b'],
          ['b', 'a'],
        ].map(([first, second]) =>
          ts.transaction(async (tx) => {
            attempts++
            await tx.get('User', first!)
            if (++locked === 2) bothLocked()
            await barrier
            await tx.get('User', second!)
            return true
          }),
        ),
      )
      assert.deepEqual(both, [true, true])
      assert.equal(attempts, 3, 'the deadlock victim ran once more')
    })

    test('a filter value holding U+0000 is 400 invalidFilter, not a failed statement', async (t) => {
      const { ts } = await open(t)
      // The parser refuses control characters; a hand-built filter reaches the dialect.
      const nul: Filter = { kind: 'compare', op: 'eq', path: { name: 'title' }, value: 'a\u0000', position: 0 }
      await assert.rejects(
        ts.list(USER, { filter: nul, startIndex: 1, count: 10 }),
        (e: unknown) => isScimError(e) && e.status === 400 && e.scimType === 'invalidFilter',
      )
    })

    test('concurrent creates share statements; a refused row or a taken userName fails alone', async (t) => {
      const { ts } = await open(t)
      const sent = captureStatements(t)
      const creates = Array.from({ length: 60 }, (_, i) =>
        i === 7
          ? user('bad', 'bad', { name: { givenName: 'a\u0000b' } })
          : user(`c${i}`, i === 30 ? 'C1' : `c${i}`),
      )
      const results = await Promise.allSettled(creates.map((c) => ts.insert(c)))
      const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason] as const] : []))
      assert.deepEqual(refused.map(([i]) => i), [7, 30])
      assert.ok(isScimError(refused[0]![1]) && refused[0]![1].scimType === 'invalidValue')
      assert.ok(isScimError(refused[1]![1]) && refused[1]![1].status === 409 && refused[1]![1].scimType === 'uniqueness')
      // The first create goes out alone; the others wait for it and go out together (a refused
      // batch is then retried one row at a time, which adds a statement per row).
      const statements = sent.filter((q) => q.text.includes('INSERT INTO resources'))
      assert.ok(statements.length > 1 && statements.length < 20, `${statements.length} statements`)
      const page = await ts.list(USER, { startIndex: 1, count: 100 })
      assert.equal(page.totalResults, 58)
      assert.deepEqual(
        new Set(page.resources.map((r) => r.id)),
        new Set(creates.filter((_, i) => i !== 7 && i !== 30).map((c) => c.id)),
      )
    })

    test('a lookup with User.groups is one prepared statement; other filters stay unnamed', async (t) => {
      const { ts } = await open(t)
      await ts.transaction(async (tx) => {
        await tx.insert(user('lu', 'look.up'))
        await tx.insert({ id: 'lg', resourceType: 'Group', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-01T00:00:00.000Z', document: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Readers' } })
        await tx.addMembers('lg', [{ value: 'lu', type: 'User' }])
      })
      const sent = captureStatements(t)
      const found = await ts.list(USER, { filter: parseFilter('userName eq "LOOK.UP"'), startIndex: 1, count: 10, groups: true })
      assert.deepEqual(found.resources.map((r) => r.id), ['lu'])
      assert.deepEqual(found.groups, [[{ value: 'lg', display: 'Readers', type: 'direct' }]])
      assert.equal(sent.length, 1)
      assert.ok(sent[0]!.name?.startsWith('roster_'), 'an eq lookup is a named statement')
      const none = await ts.list(USER, { filter: parseFilter('userName eq "nobody"'), startIndex: 1, count: 10, groups: true })
      assert.deepEqual([none.resources, none.groups], [[], []])
      await ts.list(USER, { filter: parseFilter('userName co "look"'), startIndex: 1, count: 10 })
      assert.equal(sent.at(-1)!.name, undefined, 'other shapes are planned for their values')
    })

    test('a repeated lookup runs on its generic plan: PostgreSQL does not plan each one again', async (t) => {
      // One connection, so the lookups and the look at pg_prepared_statements share it.
      const store = await postgres.openStore({ poolSize: 1 })
      t.after(() => store.close())
      await store.migrate()
      const ts = store.forTenant((await store.findTenant('instance', ''))!)
      // Users in several groups each, analysed: the statistics under which PostgreSQL judged the
      // generic plan of a lookup with OFFSET dearer than a plan for each lookup's values.
      const users = Array.from({ length: 200 }, (_, i) => `gp${i}`)
      await Promise.all(users.map((id) => ts.insert(user(id, `${id}@example.test`, { externalId: `ext-${id}` }))))
      await ts.transaction(async (tx) => {
        for (let g = 0; g < 8; g++) {
          await tx.insert({ id: `gpg${g}`, resourceType: 'Group', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-01T00:00:00.000Z', document: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `G${g}` } })
          await tx.addMembers(`gpg${g}`, users.map((value) => ({ value, type: 'User' as ResourceTypeId })))
        }
      })
      await store.pool.query('ANALYZE resources, memberships')
      for (let i = 0; i < 10; i++) {
        const found = await ts.list(USER, { filter: parseFilter(`externalId eq "ext-none${i}"`), startIndex: 1, count: 100, groups: true })
        assert.equal(found.totalResults, 0)
      }
      const { rows } = await store.pool.query<{ generic: string; custom: string }>(
        "SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements WHERE statement LIKE 'SELECT %external_id = %'",
      )
      assert.equal(rows.length, 1)
      assert.ok(Number(rows[0]!.generic) >= 5, `generic plans ${rows[0]!.generic}, custom plans ${rows[0]!.custom}`)
    })

    test('documents read back with their keys in the order they were written', async (t) => {
      const { ts } = await open(t)
      const document = { schemas: [USER_URN], userName: 'order', name: { givenName: 'G', familyName: 'F' }, active: true }
      await ts.transaction((tx) => tx.insert(user('o1', 'order', document)))
      assert.equal(JSON.stringify((await ts.get('User', 'o1'))?.document), JSON.stringify(document))
    })

    test('batch operations are one statement each, whatever the number of members', async (t) => {
      const { store, ts } = await open(t)
      const members = Array.from({ length: 300 }, (_, i) => ({ value: `m${i}`, type: 'User' as ResourceTypeId }))
      const statements: string[] = []
      await ts.transaction(async (tx) => {
        for (let i = 0; i < 300; i++) await tx.insert(user(`m${i}`, `member${i}`))
      })
      const pool = store.pool
      const original = pool.connect.bind(pool)
      // Count the statements the transaction's client runs: the first client taken, not one a
      // background ANALYZE takes at the commit (while that client is still the transaction's).
      let taken = false
      pool.connect = (async () => {
        const client = await original()
        if (taken) return client
        taken = true
        const query = client.query.bind(client) as (...args: unknown[]) => unknown
        client.query = ((...args: unknown[]) => {
          const first = args[0]
          statements.push(typeof first === 'string' ? first : (first as { text: string }).text)
          return query(...args)
        }) as typeof client.query
        return client
      }) as typeof pool.connect
      await ts.transaction(async (tx) => {
        assert.equal((await tx.existing(members.map((m) => m.value))).size, 300)
        assert.equal(await tx.addMembers('g', members), 300)
        assert.equal(await tx.addMembers('g', members.slice(0, 10)), 0)
        assert.equal((await tx.groupsOf(members.map((m) => m.value))).size, 300)
        assert.equal(await tx.removeMembers('g', members.slice(0, 150).map((m) => m.value)), 150)
      })
      pool.connect = original
      assert.equal(statements.length, 7, statements.join('\n'))
      assert.deepEqual(
        (await ts.members('g')).map((m) => m.value),
        members.slice(150).map((m) => m.value),
      )
    })

    test('userName eq is answered by the unique index', async (t) => {
      const { store, ts } = await open(t)
      await ts.transaction(async (tx) => {
        for (let i = 0; i < 200; i++) await tx.insert(user(`u${i}`, `user${i}`))
      })
      await store.pool.query('ANALYZE resources')
      const params: unknown[] = [ts.tenant.id]
      const where = compileFilter(parseFilter('userName eq "USER77"'), USER, postgresDialect, params).sql
      const client = await store.pool.connect()
      try {
        await client.query('SET enable_seqscan = off')
        const { rows } = await client.query(
          `EXPLAIN SELECT r.id FROM resources r WHERE r.tenant_id = $1 AND r.resource_type = 'User' AND (${where}) ` +
            'ORDER BY r.seq LIMIT 10',
          params,
        )
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
        assert.match(plan, /Index Scan using resources_user_name/, plan)
      } finally {
        client.release(true)
      }
    })
  })

  describe('PostgreSQL functions match the JavaScript they stand for', () => {
    test('folding (lower under ICU, after NFC) equals fold() for every code point of planes 0 and 1', async (t) => {
      const client = new pg.Client(postgres.url)
      await client.connect()
      const chars: string[] = []
      for (let cp = 1; cp < 0x20000; cp++) if (cp < 0xd800 || cp > 0xdfff) chars.push(String.fromCodePoint(cp))
      chars.push('ΣΑΣ', 'ΌΣΟΣ.', 'İSTANBUL', 'ǄǅǆǇ', 'A\u030aSA', 'ÅSA', 'STRAẞE', 'ﬀ')
      const differ: string[] = []
      for (let i = 0; i < chars.length; i += 40_000) {
        const chunk = chars.slice(i, i + 40_000)
        const { rows } = await client.query<{ f: string }>(
          `SELECT ${postgresDialect.fold('c')} AS f FROM unnest($1::text[]) WITH ORDINALITY AS t (c, n) ORDER BY n`,
          [chunk],
        )
        rows.forEach((row, j) => {
          const c = chunk[j]!
          if (row.f === fold(c)) return
          // A character newer than the server's ICU is left as it is; Node's ICU may map it.
          assert.equal(row.f, c, `U+${c.codePointAt(0)!.toString(16)}: ${row.f} vs ${fold(c)}`)
          differ.push(c)
        })
      }
      await client.end()
      t.diagnostic(
        `${differ.length} characters unknown to the server's ICU fold differently: ` +
          differ.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`).join(' '),
      )
    })

    test(`${DATE_TIME_FUNCTION}() equals parseDateTime() → toISOString()`, async (t) => {
      const { store } = await open(t)
      const inputs = [
        '2024-01-01T00:00:00Z',
        '2024-01-01T01:00:00+01:00',
        '2024-02-29T23:59:59.9999-14:00',
        '2023-02-29T00:00:00Z',
        '2024-04-31T00:00:00Z',
        '2024-01-01T24:00:00Z',
        '2024-01-01T00:00:00+15:00',
        '2024-01-01T00:00:00.5',
        '2024-01-01T00:00:00.123456789Z',
        '0001-01-01T00:30:00+01:00',
        '9999-12-31T23:59:59.999Z',
        '1900-02-29T00:00:00Z',
        '2000-02-29T00:00:00Z',
        '2024-1-01T00:00:00Z',
        'yesterday',
        '',
      ]
      for (let i = 0; i < 200; i++) {
        const instant = Date.UTC(1970 + ((i * 37) % 80), i % 12, 1 + (i % 28), i % 24, (i * 7) % 60, (i * 13) % 60, i * 3)
        const offset = ((i * 53) % 1680) - 840
        const local = new Date(instant + offset * 60_000).toISOString().slice(0, 23)
        const sign = offset < 0 ? '-' : '+'
        const abs = Math.abs(offset)
        inputs.push(`${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`)
      }
      const { rows } = await store.pool.query<{ v: string; iso: string | null }>(
        `SELECT v, ${DATE_TIME_FUNCTION}(v) AS iso FROM unnest($1::text[]) AS t (v)`,
        [inputs],
      )
      for (const { v, iso } of rows) {
        // Year 0 (1 BC) has no PostgreSQL timestamp: such instants are NULL, compared as absent.
        if (v.startsWith('0001-01-01T00:30:00+01:00')) {
          assert.equal(iso, null)
          continue
        }
        const instant = parseDateTime(v)
        assert.equal(iso, instant === undefined ? null : new Date(instant).toISOString(), v)
      }
    })
  })

  describe('bin/roster on PostgreSQL', () => {
    const bin = join(root, 'bin', 'roster')
    test('org create with --database postgres://…, token create with ROSTER_DATABASE_URL; errors hide the password', async () => {
      const scratch = await postgres.scratchSchema()
      try {
        const roster = (args: string[], env: Record<string, string> = {}) => {
          const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env } })
          return { code: r.status, stdout: r.stdout, stderr: r.stderr }
        }
        // Only serve and migrate create a schema; the other commands refuse an empty one.
        assert.equal(roster(['migrate', '--database', scratch.url]).code, 0)
        const created = roster(['org', 'create', 'x', '--database', scratch.url])
        assert.equal(created.code, 0, created.stderr)
        assert.match(created.stdout, /\/scim\/v2\/organizations\/x/)
        const token = roster(['token', 'create', '--org', 'x'], { ROSTER_DATABASE_URL: scratch.url })
        assert.equal(token.code, 0, token.stderr)
        assert.match(token.stdout.trimEnd().split('\n').at(-1)!, /^roster_/)
        const unreachable = roster(['org', 'list', '--database', 'postgres://roster:s3cret@127.0.0.1:1/db'])
        assert.equal(unreachable.code, 1)
        assert.match(unreachable.stderr, /cannot connect to PostgreSQL at postgres:\/\/roster:\*\*\*@127\.0\.0\.1:1\/db/)
        assert.ok(!unreachable.stderr.includes('s3cret'))
      } finally {
        await scratch.drop()
      }
    })
  })
}
