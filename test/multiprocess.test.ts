/**
 * Two real server processes on one database, raced (docs/design.md, *Several processes, one
 * database*): every guarantee must come from the database, since neither process knows what the
 * other does.
 * Requests alternate between the two, so each race has contenders in both.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createTenant } from '../src/provisioning/tenants.js'
import { issueToken } from '../src/provisioning/tokens.js'
import { openStore } from '../src/store/open-store.js'
import type { PostgresStore } from '../src/store/postgres/postgres-store.js'
import { testPostgres } from './helpers/test-postgres.js'
import { GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA } from './helpers/harness.js'
import { BIN, startServer, type ServerProcess } from './helpers/server-process.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-multi-'))
after(() => rmSync(dir, { recursive: true, force: true }))

interface Database {
  readonly name: string
  /** A URL the child processes can open, and how to dispose of it. */
  create(): Promise<{ url: string; drop: () => Promise<void> }>
}

const DATABASES: Database[] = [
  {
    name: 'sqlite file',
    create: async () => ({ url: `sqlite:${join(dir, `roster-${Date.now()}.db`)}`, drop: async () => undefined }),
  },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

interface Reply {
  status: number
  headers: Headers
  body: any
}

/** Seeds a tenant and a token with a store of the test's own, closed before the servers start. */
async function seed(url: string): Promise<string> {
  const store = await openStore(url)
  try {
    await store.migrate()
    const tenant = await createTenant(store, 'organization', 'acme')
    return (await issueToken(store, tenant)).token
  } finally {
    await store.close()
  }
}

for (const database of DATABASES) {
  describe(`two server processes on one database (${database.name})`, () => {
    let servers: ServerProcess[] = []
    let token = ''
    let drop: () => Promise<void> = async () => undefined

    before(async () => {
      const created = await database.create()
      drop = created.drop
      token = await seed(created.url)
      servers = await Promise.all([startServer(['--database', created.url]), startServer(['--database', created.url])])
    })

    after(async () => {
      await Promise.all(servers.map((s) => s.stop()))
      await drop()
    })

    /** A request to server `i % 2`. */
    const scim = async (i: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
      const res = await fetch(`${servers[i % 2]!.address}/scim/v2/organizations/acme${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/scim+json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
    }
    const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })
    const createUsers = async (prefix: string, n: number): Promise<string[]> => {
      const replies = await Promise.all(
        Array.from({ length: n }, (_, i) => scim(i, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: `${prefix}${i}` })),
      )
      for (const r of replies) assert.equal(r.status, 201, JSON.stringify(r.body))
      return replies.map((r) => r.body.id as string)
    }
    const memberIds = async (i: number, groupId: string): Promise<string[]> => {
      const r = await scim(i, 'GET', `/Groups/${groupId}`)
      assert.equal(r.status, 200)
      return ((r.body.members ?? []) as { value: string }[]).map((m) => m.value).sort()
    }

    test('20 concurrent creates of one userName: exactly one 201, the rest 409 uniqueness', async () => {
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => scim(i, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'Race.Winner' })),
      )
      const statuses = replies.map((r) => r.status)
      assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(' '))
      for (const r of replies.filter((r) => r.status !== 201)) {
        assert.equal(r.status, 409)
        assert.equal(r.body.scimType, 'uniqueness')
      }
      const found = await scim(1, 'GET', `/Users?filter=${encodeURIComponent('userName eq "race.winner"')}`)
      assert.equal(found.body.totalResults, 1)
    })

    test('40 concurrent member adds across both processes: none lost; concurrent removes and adds: none lost', async () => {
      const users = await createUsers('member', 60)
      const group = await scim(0, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Racers' })
      assert.equal(group.status, 201)
      const id = group.body.id as string
      const adds = await Promise.all(
        users.slice(0, 40).map((u, i) => scim(i, 'PATCH', `/Groups/${id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u }] }))),
      )
      for (const r of adds) assert.equal(r.status, 204, JSON.stringify(r.body))
      assert.deepEqual(await memberIds(1, id), users.slice(0, 40).sort())

      const mixed = await Promise.all([
        ...users.slice(0, 20).map((u, i) => scim(i, 'PATCH', `/Groups/${id}`, patchOp({ op: 'remove', path: `members[value eq "${u}"]` }))),
        ...users.slice(40).map((u, i) => scim(i + 1, 'PATCH', `/Groups/${id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u }] }))),
      ])
      for (const r of mixed) assert.equal(r.status, 204, JSON.stringify(r.body))
      assert.deepEqual(await memberIds(0, id), users.slice(20).sort())
      assert.deepEqual(await memberIds(1, id), users.slice(20).sort())
    })

    test('If-Match: two processes PATCH one version at once; exactly one 200, the other 412', async () => {
      const created = await scim(0, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'contended' })
      assert.equal(created.status, 201)
      let etag = created.headers.get('etag')!
      assert.ok(etag)
      for (let round = 0; round < 5; round++) {
        const replies = await Promise.all(
          [0, 1].map((i) =>
            scim(i, 'PATCH', `/Users/${created.body.id}`, patchOp({ op: 'replace', path: 'displayName', value: `round ${round} by ${i}` }), {
              'if-match': etag,
            }),
          ),
        )
        assert.deepEqual(replies.map((r) => r.status).sort(), [200, 412], `round ${round}`)
        const winner = replies.find((r) => r.status === 200)!
        etag = winner.headers.get('etag')!
        const read = await scim(1, 'GET', `/Users/${created.body.id}`)
        assert.equal(read.body.displayName, winner.body.displayName)
      }
    })

    test('a PATCH whose last operation fails leaves nothing applied, as the other process sees it', async () => {
      const [member] = await createUsers('atomic', 1)
      const group = await scim(0, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Before' })
      const id = group.body.id as string
      const before = await scim(1, 'GET', `/Groups/${id}`)
      const failed = await scim(
        0,
        'PATCH',
        `/Groups/${id}`,
        patchOp(
          { op: 'replace', path: 'displayName', value: 'After' },
          { op: 'add', path: 'members', value: [{ value: member }] },
          { op: 'add', path: 'members', value: [{ value: 'no-such-id' }] },
        ),
      )
      assert.equal(failed.status, 400)
      assert.equal(failed.body.scimType, 'invalidValue')
      const read = await scim(1, 'GET', `/Groups/${id}`)
      assert.equal(read.body.displayName, 'Before')
      assert.deepEqual(read.body.members ?? [], [])
      assert.equal(read.body.meta.version, before.body.meta.version)
    })
  })
}

if (postgres.available) {
  test('serve: ROSTER_DATABASE_POOL_SIZE bounds the PostgreSQL connections a server process opens', async () => {
    const scratch = await postgres.postgres.scratchSchema()
    // Named, so this server's connections can be told from every other test's.
    const name = `roster_pool_${process.pid}`
    const url = new URL(scratch.url)
    url.searchParams.set('application_name', name)
    const token = await seed(url.toString())
    const server = await startServer(['--database', url.toString()], { ROSTER_DATABASE_POOL_SIZE: '2' })
    const admin = (await openStore(postgres.postgres.url)) as PostgresStore
    try {
      // A burst of lookups at once: the pool opens a connection per waiting query, up to its size.
      const lookups = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${server.address}/scim/v2/organizations/acme/Users?filter=${encodeURIComponent(`userName eq "u${i}"`)}`, {
            headers: { authorization: `Bearer ${token}` },
          }),
        ),
      )
      assert.ok(lookups.every((r) => r.status === 200))
      // Idle connections stay open for seconds, so the count after the burst is its peak.
      const { rows } = await admin.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
        [name],
      )
      assert.equal(Number(rows[0]!.n), 2)
    } finally {
      await admin.close()
      await server.stop()
      await scratch.drop()
    }
  })
}

describe('serve --workers', () => {
  test('refuses sqlite::memory:, whose processes would each have their own database', () => {
    const r = spawnSync(BIN, ['serve', '--workers', '2', '--database', 'sqlite::memory:'], { encoding: 'utf8' })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /--workers 2 needs a database the processes share/)
    const bad = spawnSync(BIN, ['serve', '--workers', 'two'], { encoding: 'utf8' })
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /--workers takes a number of processes/)
  })

  test('two workers share the port, a dead worker is replaced, SIGTERM stops them all', async () => {
    const url = `sqlite:${join(dir, 'workers.db')}`
    const token = await seed(url)
    const server = await startServer(['--workers', '2', '--database', url], { ROSTER_LOG_LEVEL: 'info' })
    try {
      assert.match(server.stdout(), /2 worker processes/)
      assert.equal(server.stdout().match(/Roster is listening on/g)?.length, 1, 'the address is printed once')
      // A new connection each time: the primary hands connections to the workers in turn.
      const get = (path: string) =>
        new Promise<number>((resolve, reject) => {
          http
            .get(`${server.address}${path}`, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
              res.resume()
              res.once('end', () => resolve(res.statusCode ?? 0))
            })
            .once('error', reject)
        })
      for (let i = 0; i < 4; i++) assert.equal(await get('/scim/v2/organizations/acme/Users'), 200)
      const pids = () =>
        new Set([...server.stdout().matchAll(/"pid":(\d+)[^\n]*"msg":"request"/g)].map((m) => Number(m[1])))
      // Each answer is logged just after it is sent: give the last line time to arrive.
      const until = async (done: () => boolean) => {
        const deadline = Date.now() + 5000
        while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      }
      await until(() => pids().size === 2)
      assert.equal(pids().size, 2, 'both workers answered')

      const [victim] = [...pids()]
      process.kill(victim!, 'SIGKILL')
      await until(() => /starting another/.test(server.stderr()))
      assert.match(server.stderr(), new RegExp(`worker ${victim} exited with signal SIGKILL; starting another`))
      for (let i = 0; i < 4; i++) assert.equal(await get('/healthz'), 200)

      const workers = pids()
      assert.equal(await server.stop(), 0)
      for (const pid of workers) {
        if (pid === victim) continue
        assert.throws(() => process.kill(pid, 0), 'no worker outlives the primary')
      }
    } finally {
      await server.stop()
    }
  })
})
