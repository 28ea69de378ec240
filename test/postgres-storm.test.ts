/**
 * PostgreSQL backends terminated in waves while writes run: the server must survive, keep
 * answering `/healthz`, and answer every write truthfully. A write answered 2xx must be in the
 * store afterwards; a write answered 503 must not be (a connection lost while a COMMIT or an
 * autocommit insert was in flight leaves the outcome unknown to the server until it asks the
 * database). Real `bin/roster serve` processes, one alone and one with two workers, each on a
 * schema of its own; only that server's backends are terminated (by their `application_name`),
 * never another test's.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, describe, test } from 'node:test'
import pg from 'pg'
import { createTenant } from '../src/provisioning/tenants.js'
import { issueToken } from '../src/provisioning/tokens.js'
import { openStore } from '../src/store/open-store.js'
import { GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA } from './helpers/harness.js'
import { startServer, type ServerProcess } from './helpers/server-process.js'
import { skipMessage, testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()

/** Waves of terminations, this far apart: the storm lasts about WAVES × WAVE_MS. */
const WAVES = 25
const WAVE_MS = 100
/** Concurrent writers; each keeps writing until the storm is over, at most MAX_OPS times. */
const WRITERS = 8
const MAX_OPS = 150
/** Every /healthz probe must be answered within this, 200 or 503. */
const PROBE_LIMIT_MS = 5000
/** No write may take longer than this (a hang is a failure, not a slow answer). */
const WRITE_LIMIT_MS = 30_000
/** Creates per Bulk request: enough rows that the store's background ANALYZE runs during the storm. */
const BULK_SIZE = 10
const BULK_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'

interface Answer {
  /** HTTP status, or 0 when no answer came (connection reset, timeout). */
  readonly status: number
  readonly retryAfter: string | null
  readonly body: any
  readonly error?: string
}

/** A write and what the server answered: the check afterwards compares it with the store. */
type Write =
  | { kind: 'create'; type: 'Users' | 'Groups'; name: string; answer: Answer; id?: string }
  | { kind: 'bulk'; names: string[]; answer: Answer }
  | { kind: 'add' | 'remove'; group: string; user: string; answer: Answer }
  | { kind: 'delete'; id: string; answer: Answer }

async function seed(url: string): Promise<string> {
  const store = await openStore(url)
  try {
    await store.migrate()
    return (await issueToken(store, await createTenant(store, 'organization', 'acme'))).token
  } finally {
    await store.close()
  }
}

/** A new TCP connection per probe: with workers, the primary hands each to the next worker. */
function probe(address: string): Promise<{ status: number; ms: number }> {
  const started = Date.now()
  return new Promise((resolve) => {
    const request = http.get(`${address}/healthz`, { agent: false, timeout: PROBE_LIMIT_MS }, (res) => {
      res.resume()
      res.once('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started }))
    })
    request.once('timeout', () => request.destroy(new Error('timeout')))
    request.once('error', () => resolve({ status: 0, ms: Date.now() - started }))
  })
}

const ok = (a: Answer) => a.status >= 200 && a.status < 300
const unavailable = (a: Answer) => a.status === 503

const skip = postgres.available ? false : skipMessage(postgres.reason)

describe('PostgreSQL backends terminated in waves under write load', { skip }, () => {
  const drops: (() => Promise<void>)[] = []
  after(async () => {
    for (const drop of drops) await drop().catch(() => undefined)
  })

  for (const workers of [1, 2]) {
    const title = workers === 1 ? 'one process' : `--workers ${workers}`
    test(`${title}: survives, /healthz answers, every answer is the truth`, async (t) => {
      if (!postgres.available) return
      const scratch = await postgres.postgres.scratchSchema()
      drops.push(scratch.drop)
      // Named, so the storm can tell this server's backends from every other test's.
      const name = `roster_storm_${process.pid}_${workers}`
      const url = new URL(scratch.url)
      url.searchParams.set('application_name', name)
      const token = await seed(url.href)
      const cluster = workers > 1 ? ['--workers', String(workers)] : []
      const server = await startServer(['--database', url.href, ...cluster])
      const admin = new pg.Client({ connectionString: postgres.postgres.url, application_name: `${name}_admin` })
      admin.on('error', () => undefined)
      await admin.connect()
      try {
        await storm(server, token, admin, name, workers, (s) => t.diagnostic(s))
      } finally {
        await admin.end().catch(() => undefined)
        await server.stop()
      }
    })
  }
})

async function storm(
  server: ServerProcess,
  token: string,
  admin: pg.Client,
  name: string,
  workers: number,
  say: (s: string) => void,
): Promise<void> {
  const scim = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    try {
      const res = await fetch(`${server.address}/scim/v2/organizations/acme${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/scim+json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(WRITE_LIMIT_MS),
      })
      const text = await res.text()
      const retryAfter = res.headers.get('retry-after')
      return { status: res.status, retryAfter, body: text ? JSON.parse(text) : undefined }
    } catch (e) {
      return { status: 0, retryAfter: null, body: undefined, error: String((e as Error).cause ?? e) }
    }
  }

  let raging = true
  let terminated = 0
  const waves = (async () => {
    for (let wave = 0; wave < WAVES; wave++) {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
        [name],
      )
      terminated += rows[0]?.n ?? 0
      await new Promise((resolve) => setTimeout(resolve, WAVE_MS))
    }
    raging = false
  })()

  const probes: { status: number; ms: number }[] = []
  const prober = (async () => {
    while (raging) {
      probes.push(await probe(server.address))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()

  const writes: Write[] = []
  const writer = async (w: number) => {
    // Each writer works on its own resources, one request at a time: the expected end state
    // follows from its answers alone.
    const users: string[] = []
    const groups: string[] = []
    const members: { group: string; user: string }[] = []
    for (let k = 0; raging && k < MAX_OPS; k++) {
      switch (k % 6) {
        case 0:
        case 1: {
          const type = k % 6 === 0 ? 'Users' : 'Groups'
          const nameOf = `w${w}-${type === 'Users' ? 'u' : 'g'}${k}`
          const body =
            type === 'Users'
              ? { schemas: [USER_SCHEMA], userName: nameOf }
              : { schemas: [GROUP_SCHEMA], displayName: nameOf }
          const answer = await scim('POST', `/${type}`, body)
          const id = ok(answer) ? (answer.body.id as string) : undefined
          writes.push({ kind: 'create', type, name: nameOf, answer, ...(id && { id }) })
          if (id) (type === 'Users' ? users : groups).push(id)
          break
        }
        case 2: {
          const names = Array.from({ length: BULK_SIZE }, (_, j) => `w${w}-b${k}-${j}`)
          const answer = await scim('POST', '/Bulk', {
            schemas: [BULK_SCHEMA],
            Operations: names.map((userName, j) => ({
              method: 'POST',
              path: '/Users',
              bulkId: `b${j}`,
              data: { schemas: [USER_SCHEMA], userName },
            })),
          })
          writes.push({ kind: 'bulk', names, answer })
          break
        }
        case 3: {
          const user = users.shift()
          const group = groups[groups.length - 1]
          if (!user || !group) break
          const answer = await scim('PATCH', `/Groups/${group}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'add', path: 'members', value: [{ value: user }] }],
          })
          writes.push({ kind: 'add', group, user, answer })
          if (ok(answer)) members.push({ group, user })
          break
        }
        case 4: {
          const member = members.shift()
          if (!member) break
          const answer = await scim('PATCH', `/Groups/${member.group}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'remove', path: `members[value eq "${member.user}"]` }],
          })
          writes.push({ kind: 'remove', ...member, answer })
          break
        }
        case 5: {
          const id = users.shift()
          if (!id) break
          writes.push({ kind: 'delete', id, answer: await scim('DELETE', `/Users/${id}`) })
          break
        }
      }
    }
  }
  await Promise.all([waves, prober, ...Array.from({ length: WRITERS }, (_, w) => writer(w))])
  const statuses = new Map<number, number>()
  for (const { answer } of writes) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
  say(`${terminated} backends terminated; ${writes.length} writes answered ${JSON.stringify([...statuses])}`)
  say(`${probes.length} /healthz probes, the slowest answered in ${Math.max(...probes.map((p) => p.ms))} ms`)

  const alive = server.child.exitCode === null && server.child.signalCode === null
  assert.ok(alive, `the server exited: ${server.stderr()}`)
  // The storm was real: backends were terminated while writes ran.
  assert.ok(terminated >= WAVES, `${terminated} backends terminated`)
  assert.ok(writes.length >= WRITERS * 6, `${writes.length} writes`)
  if (workers > 1) {
    // The primary restarts a dead worker, so being alive is not enough: no worker may have died.
    assert.doesNotMatch(server.stderr(), /exited with/, 'a worker died')
  }
  assert.doesNotMatch(server.stderr(), /Unhandled|uncaught/i)

  // A probe not answered within PROBE_LIMIT_MS was cut off by its timeout: status 0.
  const unanswered = probes.filter((p) => p.status === 0)
  assert.ok(probes.length > 0)
  assert.deepEqual(unanswered, [], `/healthz probes unanswered (of ${probes.length})`)
  for (const p of probes) assert.ok(p.status === 200 || p.status === 503, `healthz ${p.status}`)

  // Every answer is 2xx, or 503 with Retry-After; nothing else (no 500, no reset connection).
  for (const write of writes) {
    const a = write.answer
    assert.ok(ok(a) || unavailable(a), `${JSON.stringify(write)}`)
    if (unavailable(a)) assert.equal(a.retryAfter, '5', JSON.stringify(write))
  }
  const bulkOps = writes.flatMap((write) =>
    write.kind === 'bulk' && ok(write.answer) ? (write.answer.body.Operations as { status: string }[]) : [],
  )
  for (const op of bulkOps) assert.ok(op.status === '201' || op.status === '503', JSON.stringify(op))

  // The store afterwards, read through the server (which must still work once the storm is over).
  const read = async (path: string): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      const r = await scim('GET', path)
      if (r.status !== 503 || attempt === 20) return r
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  const byName = new Map<string, string>()
  for (const type of ['Users', 'Groups'] as const) {
    for (let start = 1; ; start += 1000) {
      const attribute = type === 'Users' ? 'userName' : 'displayName'
      const page = await read(`/${type}?count=1000&startIndex=${start}&attributes=${attribute}`)
      assert.equal(page.status, 200, JSON.stringify(page.body))
      for (const r of page.body.Resources ?? []) byName.set(r.userName ?? r.displayName, r.id)
      if (start + 1000 > page.body.totalResults) break
    }
  }
  const groupMembers = new Map<string, Set<string>>()
  const membersOf = async (group: string) => {
    let found = groupMembers.get(group)
    if (!found) {
      const g = await read(`/Groups/${group}`)
      assert.equal(g.status, 200, JSON.stringify(g.body))
      found = new Set(((g.body.members ?? []) as { value: string }[]).map((m) => m.value))
      groupMembers.set(group, found)
    }
    return found
  }
  const deleted = new Set(writes.flatMap((w) => (w.kind === 'delete' && ok(w.answer) ? [w.id] : [])))

  for (const write of writes) {
    const what = JSON.stringify(write)
    const acknowledged = ok(write.answer)
    switch (write.kind) {
      case 'create': {
        if (acknowledged && write.id && deleted.has(write.id)) break
        if (acknowledged) assert.equal(byName.get(write.name), write.id, `acknowledged, missing: ${what}`)
        else assert.equal(byName.get(write.name), undefined, `answered 503, yet written: ${what}`)
        break
      }
      case 'bulk': {
        const ops = acknowledged ? (write.answer.body.Operations as { status: string }[]) : []
        write.names.forEach((userName, i) => {
          const created = ops[i]?.status === '201'
          const answered = ops[i]?.status ?? write.answer.status
          assert.equal(byName.has(userName), created, `bulk op ${i} answered ${answered}: ${what}`)
        })
        break
      }
      case 'add':
      case 'remove': {
        const removed = writes.some(
          (w) => w.kind === 'remove' && w.group === write.group && w.user === write.user && ok(w.answer),
        )
        const present = (await membersOf(write.group)).has(write.user)
        if (write.kind === 'add') {
          if (!acknowledged) assert.ok(!present, `add answered 503, yet the member is there: ${what}`)
          else assert.equal(present, !removed, `acknowledged add, removed ${removed}, present ${present}: ${what}`)
        } else if (!acknowledged) assert.ok(present, `remove answered 503, yet the member is gone: ${what}`)
        else assert.ok(!present, `acknowledged remove, member still there: ${what}`)
        break
      }
      case 'delete': {
        const r = await read(`/Users/${write.id}`)
        const expected = acknowledged ? 404 : 200
        assert.equal(r.status, expected, `delete answered ${write.answer.status}, read ${r.status}: ${what}`)
        break
      }
    }
  }
}
