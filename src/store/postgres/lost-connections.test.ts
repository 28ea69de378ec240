import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import pg from 'pg'
import { skipMessage, testPostgres } from '../../../test/helpers/test-postgres.js'
import type { NewResource } from '../contract.js'
import { isDatabaseUnavailable } from '../database-unavailable.js'
import { isConnectionError } from './errors.js'
import { afterBackendEnds, backendPid, begin, transactionOutcome } from './lost-connections.js'
import type { PostgresStore } from './postgres-store.js'

const postgres = await testPostgres()

const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
const lostWith = Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined })

describe('lost PostgreSQL connections', { skip: postgres.available ? false : skipMessage(postgres.reason) }, () => {
  if (!postgres.available) return
  const { openStore, url } = postgres.postgres

  /** A migrated store, and a connection of the test's own (never one of the store's pool). */
  const open = async (t: TestContext) => {
    const store = await openStore()
    t.after(() => store.close())
    await store.migrate()
    const admin = new pg.Client({ connectionString: url })
    admin.on('error', () => undefined)
    await admin.connect()
    t.after(() => admin.end())
    return { store, admin }
  }

  const until = async (what: string, done: () => Promise<boolean>) => {
    for (let i = 0; i < 500; i++) {
      if (await done()) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    assert.fail(`${what} did not happen`)
  }

  const backendState = async (admin: pg.Client, pid: number) =>
    (await admin.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]
      ?.state

  test('a pooled client whose backend is terminated between two queries: no crash, then a connection error', async (t) => {
    const { store, admin } = await open(t)
    const client = await store.pool.connect()
    const ended = new Promise((resolve) => client.once('end', resolve))
    // Without a listener, the FATAL that arrives with no query running is an uncaught 'error'.
    await admin.query('SELECT pg_terminate_backend($1)', [backendPid(client)])
    await ended
    await assert.rejects(client.query('SELECT 1'), (e: unknown) => isConnectionError(e))
    client.release()
    assert.equal((await store.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1)
  })

  test('transactionOutcome: committed; a transaction left open by a live backend is ended, then aborted', async (t) => {
    const { store } = await open(t)
    const committed = await store.pool.connect()
    const xid = await begin(committed)
    await committed.query('COMMIT')
    committed.release()
    assert.equal(await transactionOutcome(store.pool, xid, lostWith), 'committed')

    // A connection lost before its COMMIT reached the server, whose backend does not know yet.
    const idle = await store.pool.connect()
    const ended = new Promise((resolve) => idle.once('end', resolve))
    const pending = await begin(idle)
    await idle.query(
      "INSERT INTO tenants (id, kind, slug, created_at) VALUES ('t-open', 'organization', 'open', 'x')",
    )
    assert.equal(await transactionOutcome(store.pool, pending, lostWith), 'aborted')
    await ended
    idle.release(new Error('gone'))
    assert.equal(await store.findTenant('organization', 'open'), undefined)
  })

  test('afterBackendEnds: an insert still waiting for its lock is ended before the look, and never commits', async (t) => {
    const { store, admin } = await open(t)
    // A key of this test's own: advisory locks are shared by every schema of the database.
    const key = Math.floor(Math.random() * 2 ** 31)
    await admin.query('SELECT pg_advisory_lock($1)', [key])
    const client = await store.pool.connect()
    try {
      const pid = backendPid(client)!
      // The statement reaches the server and waits for the lock: its connection is then "lost".
      const insert = client
        .query(
          'INSERT INTO tenants (id, kind, slug, created_at) ' +
            "SELECT 't-late', 'organization', 'late', 'x' FROM (SELECT pg_advisory_xact_lock($1)) l",
          [key],
        )
        .catch((e: unknown) => e)
      await until('the insert waits for the lock', async () => (await backendState(admin, pid)) === 'active')
      const look = () => store.findTenant('organization', 'late')
      const found = await afterBackendEnds(store.pool, pid, lostWith, look)
      assert.equal(found, undefined)
      await admin.query('SELECT pg_advisory_unlock($1)', [key])
      assert.ok(isConnectionError(await insert), 'the insert was ended')
    } finally {
      // Released, or closing the store would wait for it.
      client.release(new Error('gone'))
    }
    assert.equal(await store.findTenant('organization', 'late'), undefined, 'the insert committed after the look')
  })

  /**
   * The next client the pool hands out loses its connection around the first statement that
   * contains `text`: `after` the server has finished it (its answer is then dropped unread), or
   * before it is sent.
   */
  const loseConnection = (store: PostgresStore, text: string, when: 'after' | 'before', admin: pg.Client) => {
    const pool = store.pool
    const connect = pool.connect.bind(pool)
    let dropped = false
    const take = async () => {
      const client = await connect()
      if (dropped) return client
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
      client.query = (async (...args: unknown[]) => {
        const first = args[0]
        const sql = typeof first === 'string' ? first : (first as { text: string }).text
        if (dropped || !sql.includes(text)) return query(...args)
        dropped = true
        const { stream } = (client as unknown as { connection: { stream: Socket } }).connection
        if (when === 'before') {
          stream.destroy()
          return query(...args)
        }
        // Read nothing more: the answer stays unread until the socket is destroyed.
        stream.pause()
        const sent = query(...args)
        const pid = backendPid(client)!
        await until('the statement finishes', async () => (await backendState(admin, pid)) === 'idle')
        stream.destroy()
        return sent
      }) as typeof client.query
      return client
    }
    // pool.query takes its client with a callback: those stay as they are.
    pool.connect = ((callback?: unknown) => (callback ? connect(callback as never) : take())) as typeof pool.connect
    return () => dropped
  }

  const user = (id: string, userName: string): NewResource => ({
    id,
    resourceType: 'User',
    created: '2024-01-01T00:00:00.000Z',
    lastModified: '2024-01-01T00:00:00.000Z',
    document: { schemas: [USER_URN], userName },
  })

  test('a transaction whose COMMIT committed but whose answer was lost succeeds; one never committed is a 503', async (t) => {
    const { store, admin } = await open(t)
    const ts = store.forTenant((await store.findTenant('instance', ''))!)
    await ts.insert(user('u1', 'one'))
    await ts.insert(user('u2', 'two'))

    const dropped = loseConnection(store, 'COMMIT', 'after', admin)
    assert.equal(await ts.transaction((tx) => tx.delete('User', 'u1')), true)
    assert.ok(dropped(), 'the connection was lost at the COMMIT')
    assert.equal(await ts.get('User', 'u1'), undefined)

    const droppedBefore = loseConnection(store, 'COMMIT', 'before', admin)
    await assert.rejects(
      ts.transaction((tx) => tx.delete('User', 'u2')),
      (e: unknown) => isDatabaseUnavailable(e),
    )
    assert.ok(droppedBefore())
    assert.ok(await ts.get('User', 'u2'), 'a 503 was answered for a delete that happened')
  })

  test('a batched insert that committed but whose answer was lost succeeds; one never sent is a 503', async (t) => {
    const { store, admin } = await open(t)
    const ts = store.forTenant((await store.findTenant('instance', ''))!)

    const dropped = loseConnection(store, 'INSERT INTO resources', 'after', admin)
    const stored = await ts.insert(user('kept', 'kept'))
    assert.ok(dropped(), 'the connection was lost at the insert')
    assert.equal(stored.id, 'kept')
    assert.deepEqual(stored.document, { schemas: [USER_URN], userName: 'kept' })
    assert.ok(await ts.get('User', 'kept'))

    const droppedBefore = loseConnection(store, 'INSERT INTO resources', 'before', admin)
    await assert.rejects(ts.insert(user('lost', 'lost')), (e: unknown) => isDatabaseUnavailable(e))
    assert.ok(droppedBefore())
    assert.equal(await ts.get('User', 'lost'), undefined)
  })
})
