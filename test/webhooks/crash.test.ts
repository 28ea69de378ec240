/**
 * Nothing is lost across crashes: real `roster serve` processes deliver to a real receiver and
 * are killed with SIGKILL — once while deliveries are under way, once while the receiver is
 * down and deliveries are failing — and after the last restart every event has arrived at each
 * endpoint, the first arrival of each in seq order, with no gaps. What at-least-once allows
 * and no more: delivered events are recorded in batches, so the kill mid-delivery makes the
 * endpoint send again exactly the events after its recorded cursor — in order, with the same
 * webhook-ids — and nothing at or before it, even with two workers delivering after the
 * restart. Endpoints are made and inspected through the CLI.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Webhook } from 'standardwebhooks'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import type { EventRecord } from '../../src/store/records/event.js'
import { openStore } from '../../src/store/open-store.js'
import { waitFor } from '../email/smtp-sink.js'
import { runCli } from '../helpers/cli-process.js'
import { USER_SCHEMA } from '../helpers/harness.js'
import { startServer, type ServerProcess } from '../helpers/server-process.js'
import { testPostgres } from '../helpers/test-postgres.js'
import { Receiver } from './receiver.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-webhooks-crash-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'crash.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

// Short timeouts keep the lease of a killed process (2 × timeout + 1 s) short.
const ENV = {
  ROSTER_WEBHOOK_POLL_MS: '20',
  ROSTER_WEBHOOK_TIMEOUT_MS: '1000',
  ROSTER_WEBHOOK_RETRY_BASE_MS: '50',
  ROSTER_WEBHOOK_MAX_ATTEMPTS: '1000',
}

async function allEvents(url: string, tenantId: string): Promise<EventRecord[]> {
  const store = await openStore(url)
  try {
    return await store.eventFeed.list(tenantId, 0, 10_000)
  } finally {
    await store.close()
  }
}

/** The endpoints' cursors as recorded: the last seq each is done with. */
async function cursors(url: string, tenantId: string, ids: readonly string[]): Promise<number[]> {
  const store = await openStore(url)
  try {
    return await Promise.all(ids.map(async (id) => (await store.webhooks.get(tenantId, id))!.cursor))
  } finally {
    await store.close()
  }
}

for (const { name, create } of DATABASES) {
  describe(`webhooks survive kill -9 [${name}]`, () => {
    test('every event arrives, in order per endpoint, with no gaps', async (t) => {
      const { url, drop } = await create()
      const receiver = await Receiver.start()
      const servers: ServerProcess[] = []
      try {
        const store = await openStore(url)
        await store.migrate()
        const tenant = await createTenant(store, 'enterprise', 'globex')
        const { token } = await issueToken(store, tenant)
        await store.close()

        const cli = (...args: string[]) => {
          const r = runCli([...args, '--enterprise', 'globex', '--database', url])
          assert.equal(r.code, 0, r.stderr + r.stdout)
          return r
        }
        const made = (r: { stdout: string }) => ({
          id: /endpoint (\S+) created/.exec(r.stdout)![1]!,
          secret: /(whsec_\S+)/.exec(r.stdout)![1]!,
        })
        const all = made(cli('webhook', 'create', receiver.url('/all')))
        const users = made(cli('webhook', 'create', receiver.url('/users'), '--events', 'user.*', '--description', 'user feed'))
        assert.match(cli('webhook', 'list').stdout, /\/users +user\.\* +yes/)
        receiver.on('/all', { delayMs: 30 })
        receiver.on('/users', { delayMs: 30 })

        let n = 0
        const createUsers = async (address: string, count: number) => {
          for (let i = 0; i < count; i++) {
            const res = await fetch(`${address}/scim/v2/enterprises/globex/Users`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
              body: JSON.stringify({ schemas: [USER_SCHEMA], userName: `user${++n}` }),
            })
            assert.equal(res.status, 201, await res.text())
          }
        }

        // 1: killed while delivering.
        const first = await startServer(['--database', url], ENV)
        servers.push(first)
        await createUsers(first.address, 25)
        await waitFor('deliveries under way', () => receiver.at('/all').length >= 5)
        first.child.kill('SIGKILL')
        await first.stop()
        assert.ok(receiver.at('/all').length < (await allEvents(url, tenant.id)).length, 'killed before it delivered everything')
        // A request the killed process had sent may still be in the receiver's answer delay:
        // let it land before counting what arrived from the first process.
        await sleep(300)
        // What arrived before the kill, and how far each endpoint's progress was recorded.
        const beforeKill = { '/all': receiver.at('/all').length, '/users': receiver.at('/users').length }
        const [allCursor, usersCursor] = await cursors(url, tenant.id, [all.id, users.id])
        const recorded = { '/all': allCursor!, '/users': usersCursor! }

        // 2: the receiver is down; killed while its deliveries fail.
        await receiver.down()
        const second = await startServer(['--database', url], ENV)
        servers.push(second)
        await createUsers(second.address, 10)
        await waitFor('failed attempts', () => {
          const r = runCli(['webhook', 'deliveries', users.id, '--outcome', 'failed', '--json', '--enterprise', 'globex', '--database', url])
          return r.code === 0 && (JSON.parse(r.stdout) as { items: unknown[] }).items.length >= 2
        })
        second.child.kill('SIGKILL')
        await second.stop()
        // Nothing was delivered while the receiver was down, so nothing more was recorded.
        assert.deepEqual(await cursors(url, tenant.id, [all.id, users.id]), [recorded['/all'], recorded['/users']])

        // 3: the receiver is back; a new server with two workers (two deliverers contending
        // for each endpoint's claim) delivers the rest.
        await receiver.listen()
        const third = await startServer(['--database', url, '--workers', '2'], ENV)
        servers.push(third)
        const events = await allEvents(url, tenant.id)
        const expected = { '/all': events, '/users': events.filter((e) => e.type.startsWith('user.')) }
        assert.equal(expected['/users'].length, 35)
        for (const [path, secret] of [['/all', all.secret], ['/users', users.secret]] as const) {
          const want = expected[path]
          await waitFor(`every event at ${path}`, () => new Set(receiver.at(path).map((r) => r.headers['webhook-id'])).size >= want.length, 60_000)
          const got = receiver.at(path)
          const seqs = got.map((r) => r.json.data.seq)
          const before = seqs.slice(0, beforeKill[path])
          const resent = seqs.slice(beforeKill[path])
          const wantSeqs = want.map((e) => e.seq)
          // Before the kill: the first events, in order, none twice.
          assert.deepEqual(before, wantSeqs.slice(0, before.length), `${path}: in order before the kill`)
          // The recorded cursor never passed an event that had not arrived...
          assert.ok(wantSeqs.filter((seq) => seq <= recorded[path]).every((seq) => before.includes(seq)), `${path}: cursor ${recorded[path]} only past arrived events`)
          // ...and after it, exactly the events after the cursor, in order: the unrecorded tail
          // again (duplicates of events after the recorded position only), then the rest.
          assert.deepEqual(resent, wantSeqs.filter((seq) => seq > recorded[path]), `${path}: from the recorded cursor on, in order`)
          t.diagnostic(`${path}: ${before.length} arrived before the kill, recorded up to seq ${recorded[path]}, ${seqs.length - want.length} sent again`)
          assert.deepEqual([...new Set(got.map((r) => r.headers['webhook-id']))], want.map((e) => e.id), `${path}: every event, first arrivals in order, no gaps`)
          for (const r of got) {
            assert.equal(r.headers['webhook-id'], want.find((e) => e.seq === r.json.data.seq)!.id, 'a duplicate carries its event id')
            new Webhook(secret).verify(r.body, r.headers)
          }
        }
        const shown = runCli(['webhook', 'deliveries', users.id, '--limit', '1', '--enterprise', 'globex', '--database', url])
        assert.match(shown.stdout, /delivered +204/)
      } finally {
        for (const s of servers) await s.stop()
        await receiver.close()
        await drop()
      }
    })
  })
}
