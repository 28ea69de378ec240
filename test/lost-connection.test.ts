/**
 * A database that cannot be reached makes requests fail with a SCIM 503 and `Retry-After`,
 * never a 500, with nothing half-written, and the server recovers by itself (docs/design.md,
 * *When the database is unreachable*). PostgreSQL is reached through a TCP proxy this test cuts
 * and restores: the real server, which other tests use, is never stopped.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { openStore } from '../src/store/open-store.js'
import { skipMessage, testPostgres } from './helpers/test-postgres.js'
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { group, patch, startHarness, user, type Harness, type ScimResponse } from './helpers/harness.js'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js'

const postgres = await testPostgres()

const UNAVAILABLE = 'the database is unavailable; retry later'

function assertUnavailable(r: ScimResponse, what: string): void {
  assert.equal(r.status, 503, `${what}: ${r.text}`)
  assert.equal(r.headers['retry-after'], '5', what)
  assert.deepEqual(r.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: UNAVAILABLE })
}

describe('PostgreSQL: connections lost', { skip: postgres.available ? false : skipMessage(postgres.reason) }, () => {
  let proxy: TcpProxy
  let h: Harness
  let drop: () => Promise<void> = async () => undefined

  before(async () => {
    if (!postgres.available) return
    const scratch = await postgres.postgres.scratchSchema()
    drop = scratch.drop
    const url = new URL(scratch.url)
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
    url.hostname = '127.0.0.1'
    url.port = String(proxy.port)
    h = await startHarness(() => openStore(url.href))
  })

  after(async () => {
    await h?.close()
    await proxy?.close()
    await drop()
  })

  test('while unreachable: 503 with Retry-After, no internal detail, /healthz 503; then it recovers', async () => {
    assert.equal((await h.scim('GET', '/Users')).status, 200)
    proxy.cut()
    try {
      assertUnavailable(await h.scim('POST', '/Users', user('lost')), 'create')
      assertUnavailable(await h.scim('GET', '/Users'), 'list')
      assertUnavailable(await h.scim('GET', '/Users/0c0ffee0-0000-4000-8000-000000000000'), 'read')
      const health = await h.raw({ method: 'GET', url: '/healthz' })
      assert.equal(health.status, 503)
      assert.equal(health.headers['retry-after'], '5')
    } finally {
      proxy.restore()
    }
    const created = await h.scim('POST', '/Users', user('found'))
    assert.equal(created.status, 201, created.text)
    const all = await h.scim('GET', '/Users')
    assert.deepEqual(all.body.Resources.map((u: { userName: string }) => u.userName), ['found'])
    // The health check's answer is reused for a second.
    await new Promise((resolve) => setTimeout(resolve, 1050))
    assert.equal((await h.raw({ method: 'GET', url: '/healthz' })).status, 200)
  })

  test('a connection lost as COMMIT is sent: 503, and nothing of the PATCH was written', async () => {
    const member = (await h.scim('POST', '/Users', user('commit.member'))).body.id as string
    const g = await h.scim('POST', '/Groups', group('Unchanged'))
    assert.equal(g.status, 201)
    // The creates' events are numbered in transactions of their own: done before the trap is set.
    await h.store.sequenceEvents()
    const dropped = proxy.dropWhen('COMMIT')
    const r = await h.scim(
      'PATCH',
      `/Groups/${g.body.id}`,
      patch({ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'add', path: 'members', value: [{ value: member }] }),
    )
    await dropped
    assertUnavailable(r, 'PATCH')
    const read = await h.scim('GET', `/Groups/${g.body.id}`)
    assert.equal(read.status, 200)
    assert.equal(read.body.displayName, 'Unchanged')
    assert.deepEqual(read.body.members ?? [], [])
    assert.equal(read.body.meta.version, g.body.meta.version)
  })

  test('a connection lost mid-transaction, before COMMIT: the transaction runs again, once, on a new connection', async () => {
    const member = (await h.scim('POST', '/Users', user('retry.member'))).body.id as string
    const g = await h.scim('POST', '/Groups', group('Retried'))
    let sprung = false
    // The statement's text goes to the server the first time a connection prepares it.
    void proxy.dropWhen('INSERT INTO memberships').then(() => (sprung = true))
    const r = await h.scim(
      'PATCH',
      `/Groups/${g.body.id}?attributes=members,displayName`,
      patch({ op: 'replace', path: 'displayName', value: 'Retried twice' }, { op: 'add', path: 'members', value: [{ value: member }] }),
    )
    assert.ok(sprung, 'the connection was dropped mid-transaction')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.body.displayName, 'Retried twice')
    assert.deepEqual(r.body.members.map((m: { value: string }) => m.value), [member])
  })
})

describe('SQLite: the write lock held by another process past busy_timeout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-busy-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('503 with Retry-After; the write succeeds once the lock is free', async () => {
    const file = join(dir, 'busy.db')
    const h = await startHarness(async () => {
      // 5 s in production; a test need not wait that long to see what happens after it.
      return SqliteStore.open(file, { busyTimeoutMs: 50 })
    })
    const other = new Database(file)
    try {
      other.exec('BEGIN IMMEDIATE')
      assertUnavailable(await h.scim('POST', '/Users', user('blocked')), 'create')
      assert.equal((await h.scim('GET', '/Users')).status, 200, 'WAL readers are not blocked by a writer')
      other.exec('ROLLBACK')
      assert.equal((await h.scim('POST', '/Users', user('blocked'))).status, 201)
    } finally {
      other.close()
      await h.close()
    }
  })
})
