import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { createRoster, createTenant, issueToken, type Roster, type RosterEvent, type Tenant } from '../../src/index.js'
import { patch, user } from '../helpers/harness.js'
import { DATABASES, until, type Database } from './databases.js'

/** Short enough that tests see retries and lease take-overs soon; the logic is the same at any scale. */
const FAST = { pollMs: 20, leaseMs: 30_000, retryBaseMs: 10, retryMaxMs: 50 }

interface Site {
  readonly roster: Roster
  readonly host: FastifyInstance
  close(): Promise<void>
}

async function site(url: string, events: Partial<typeof FAST> = {}): Promise<Site> {
  const roster = await createRoster({ databaseUrl: url, events: { ...FAST, ...events }, background: { eventsSequenceMs: 20 } })
  await roster.migrate()
  const host = Fastify()
  await host.register(roster.plugin, { prefix: '/p' })
  return {
    roster,
    host,
    close: async () => {
      await host.close()
      await roster.close()
    },
  }
}

/** Creates users through SCIM as an IdP would; returns their ids. */
async function provision(s: Site, slug: string, token: string, names: readonly string[]): Promise<string[]> {
  const ids: string[] = []
  for (const n of names) {
    const res = await s.host.inject({
      method: 'POST',
      url: `/p/scim/v2/organizations/${slug}/Users`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      payload: user(`${n}@${slug}.example`),
    })
    assert.equal(res.statusCode, 201, res.body)
    ids.push(res.json().id)
  }
  return ids
}

const userNameOf = (e: RosterEvent) => (e.type === 'user.created' ? String(e.data.state.userName) : undefined)

for (const { name, create } of DATABASES) {
  describe(`onEvent: in-process consumers of the durable events [${name}]`, () => {
    let db: Database
    let setup: Site
    const tenants: Record<string, { tenant: Tenant; token: string }> = {}
    before(async () => {
      db = await create()
      setup = await site(db.url)
      for (const slug of ['acme', 'globex', 'initech', 'umbrella', 'hooli']) {
        const tenant = await createTenant(setup.roster.store, 'organization', slug)
        tenants[slug] = { tenant, token: (await issueToken(setup.roster.store, tenant)).token }
      }
    })
    after(async () => {
      await setup.close()
      await db.drop()
    })

    test('per tenant in seq order, only the selected types and tenants, each once', async () => {
      const { acme, globex, initech } = tenants
      const s = await site(db.url)
      try {
        const seen: RosterEvent[] = []
        s.roster.onEvent((e) => void seen.push(e), { consumer: 'order', types: ['user.created', 'user.deactivated'], tenants: [acme!.tenant.id, globex!.tenant.id] })
        await s.roster.start()
        const [a1] = await provision(s, 'acme', acme!.token, ['a1', 'a2', 'a3'])
        await provision(s, 'globex', globex!.token, ['g1', 'g2'])
        await provision(s, 'initech', initech!.token, ['i1'])
        const off = await s.host.inject({
          method: 'PATCH',
          url: `/p/scim/v2/organizations/acme/Users/${a1}`,
          headers: { authorization: `Bearer ${acme!.token}`, 'content-type': 'application/scim+json' },
          payload: patch({ op: 'replace', path: 'active', value: false }),
        })
        assert.ok([200, 204].includes(off.statusCode), off.body)
        await provision(s, 'acme', acme!.token, ['a4'])
        await until('7 events are handled', () => seen.length >= 7)
        const of = (t: Tenant) => seen.filter((e) => e.tenantId === t.id)
        assert.deepEqual(of(acme!.tenant).map((e) => e.type), ['user.created', 'user.created', 'user.created', 'user.deactivated', 'user.created'])
        assert.deepEqual(of(acme!.tenant).map(userNameOf), ['a1@acme.example', 'a2@acme.example', 'a3@acme.example', undefined, 'a4@acme.example'])
        assert.deepEqual(of(globex!.tenant).map(userNameOf), ['g1@globex.example', 'g2@globex.example'])
        for (const t of [acme!.tenant, globex!.tenant]) {
          const seqs = of(t).map((e) => e.seq)
          assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y))
        }
        assert.equal(of(initech!.tenant).length, 0)
        assert.equal(new Set(seen.map((e) => e.id)).size, seen.length)
        // The position is past the last event of the tenant, the account and email events skipped with it.
        await until('acme is acknowledged to its end', async () => {
          await s.roster.store.sequenceEvents()
          const position = await s.roster.store.eventConsumers.position('order', acme!.tenant.id)
          const [last] = (await s.roster.store.eventFeed.list(acme!.tenant.id, 0, 1000)).slice(-1)
          return position?.ackedSeq === last?.seq
        })
        assert.equal(seen.length, 7)
      } finally {
        await s.close()
      }
    })

    test('a handler that throws gets the same event again, and nothing after it comes first', async () => {
      const { umbrella } = tenants
      const s = await site(db.url)
      try {
        const calls: string[] = []
        let failures = 0
        s.roster.onEvent(
          (e) => {
            const name = userNameOf(e)!
            calls.push(name)
            if (name.startsWith('u2') && failures < 3) {
              failures++
              throw new Error(`not yet (${failures})`)
            }
          },
          { consumer: 'retry', types: ['user.created'], tenants: [umbrella!.tenant.id] },
        )
        await s.roster.start()
        await provision(s, 'umbrella', umbrella!.token, ['u1', 'u2', 'u3'])
        await until('u3 is handled', () => calls.includes('u3@umbrella.example'))
        assert.deepEqual(calls, ['u1', 'u2', 'u2', 'u2', 'u2', 'u3'].map((n) => `${n}@umbrella.example`))
        const position = await s.roster.store.eventConsumers.position('retry', umbrella!.tenant.id)
        assert.equal(position?.attempts, 0)
        assert.equal(position?.lastError, null)
      } finally {
        await s.close()
      }
    })

    test('a consumer created again with its name resumes after the last acknowledged event: nothing again, nothing missed', async () => {
      const { hooli } = tenants
      const first = await site(db.url)
      const handled: RosterEvent[] = []
      first.roster.onEvent((e) => void handled.push(e), { consumer: 'resume', types: ['user.created'], tenants: [hooli!.tenant.id] })
      await first.roster.start()
      await provision(first, 'hooli', hooli!.token, ['h1', 'h2'])
      await until('both are handled', () => handled.length === 2)
      await first.close()

      // Written while no consumer runs (by another process, as far as the consumer can tell).
      await provision(setup, 'hooli', hooli!.token, ['h3', 'h4'])
      const second = await site(db.url)
      try {
        const again: RosterEvent[] = []
        second.roster.onEvent((e) => void again.push(e), { consumer: 'resume', types: ['user.created'], tenants: [hooli!.tenant.id] })
        await second.roster.start()
        await provision(second, 'hooli', hooli!.token, ['h5'])
        await until('the three new ones are handled', () => again.length >= 3)
        assert.deepEqual(again.map(userNameOf), ['h3', 'h4', 'h5'].map((n) => `${n}@hooli.example`))
        assert.equal(new Set([...handled, ...again].map((e) => e.id)).size, 5)
        // Another name starts from the tenant's first event.
        const fresh: RosterEvent[] = []
        second.roster.onEvent((e) => void fresh.push(e), { consumer: 'resume-2', types: ['user.created'], tenants: [hooli!.tenant.id] })
        await until('the other name has all five', () => fresh.length >= 5)
        assert.deepEqual(fresh.map(userNameOf), ['h1', 'h2', 'h3', 'h4', 'h5'].map((n) => `${n}@hooli.example`))
      } finally {
        await second.close()
      }
    })

    test('a handler slower than the lease keeps its tenant (the claim is renewed), and close() waits for it and acknowledges', async () => {
      const tenant = await createTenant(setup.roster.store, 'organization', 'slowco')
      const { token } = await issueToken(setup.roster.store, tenant)
      const one = await site(db.url, { leaseMs: 150 })
      const two = await site(db.url, { leaseMs: 150 })
      let inHandler = 0
      let overlaps = 0
      const calls: string[] = []
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const handler = (by: string) => async (e: RosterEvent) => {
        if (++inHandler > 1) overlaps++
        calls.push(`${by}:${userNameOf(e)}`)
        // Held well past the lease: another process may take it over only if renewals stopped.
        await released
        inHandler--
      }
      const selection = { consumer: 'slow', types: ['user.created' as const], tenants: [tenant.id] }
      one.roster.onEvent(handler('one'), selection)
      two.roster.onEvent(handler('two'), selection)
      try {
        await provision(setup, 'slowco', token, ['w1'])
        await Promise.all([one.roster.start(), two.roster.start()])
        await until('one of them holds w1', () => calls.length === 1)
        // Several leases long: the claim's row is read by the other process at every poll.
        await until('the claim has been renewed several times', async () => {
          const position = await one.roster.store.eventConsumers.position('slow', tenant.id)
          return position !== undefined && Date.parse(position.claimedUntil ?? '') - Date.parse(position.updatedAt) > 600
        })
        assert.equal(calls.length, 1)
        const holder = calls[0]!.split(':')[0] === 'one' ? one : two
        // Closing waits for the handler in flight, then acknowledges it.
        const closing = holder.close()
        release()
        await closing
        const position = await (holder === one ? two : one).roster.store.eventConsumers.position('slow', tenant.id)
        const [created] = (await (holder === one ? two : one).roster.store.eventFeed.list(tenant.id, 0, 100)).filter((e) => e.type === 'user.created')
        assert.equal(position?.ackedSeq, created!.seq)
        assert.equal(overlaps, 0)
        assert.deepEqual(calls.map((c) => c.split(':')[1]), ['w1@slowco.example'])
      } finally {
        release()
        await Promise.all([one.close(), two.close()])
      }
    })

    test('a process killed mid-handler: after its lease, another takes over from the last acknowledged event', async () => {
      const tenant = await createTenant(setup.roster.store, 'organization', 'crashco')
      const { token } = await issueToken(setup.roster.store, tenant)
      await provision(setup, 'crashco', token, ['c1', 'c2', 'c3', 'c4'])
      const child = spawn(process.execPath, [fileURLToPath(new URL('./crash-child.js', import.meta.url))], {
        env: {
          ...process.env,
          ROSTER_CRASH_CHILD_DB: db.url,
          ROSTER_CRASH_CHILD_TENANT: tenant.id,
          ROSTER_CRASH_CHILD_HANG: 'c3@crashco.example',
          ROSTER_CRASH_CHILD_LEASE_MS: '300',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const lines: string[] = []
      createInterface({ input: child.stdout }).on('line', (line) => lines.push(line))
      const exited = new Promise((resolve) => child.once('exit', resolve))
      try {
        await until('the child hangs on c3', () => lines.some((l) => l.startsWith('hanging ')))
      } finally {
        child.kill('SIGKILL')
        await exited
      }
      assert.deepEqual(lines.slice(0, 2), ['handled c1@crashco.example', 'handled c2@crashco.example'])
      const hungOn = lines.find((l) => l.startsWith('hanging '))!.slice('hanging '.length)

      const s = await site(db.url, { leaseMs: 300 })
      try {
        const taken: RosterEvent[] = []
        s.roster.onEvent((e) => void taken.push(e), { consumer: 'crash', types: ['user.created'], tenants: [tenant.id] })
        await s.roster.start()
        await until('c3 and c4 are handled', () => taken.length >= 2)
        assert.deepEqual(taken.map(userNameOf), ['c3@crashco.example', 'c4@crashco.example'])
        // The same event as the dead process had in hand: a handler can tell it is a repeat.
        assert.equal(taken[0]!.id, hungOn)
      } finally {
        await s.close()
      }
    })

    test('two processes with one consumer name never handle one tenant at once, and handle each event once', async () => {
      const slugs = ['acme', 'globex', 'initech', 'umbrella']
      const one = await site(db.url)
      const two = await site(db.url)
      try {
        const busy = new Map<string, number>()
        let overlaps = 0
        const handled: { id: string; by: string }[] = []
        const handler = (by: string) => async (e: RosterEvent) => {
          busy.set(e.tenantId, (busy.get(e.tenantId) ?? 0) + 1)
          if (busy.get(e.tenantId)! > 1) overlaps++
          await new Promise((resolve) => setTimeout(resolve, 2))
          handled.push({ id: e.id, by })
          busy.set(e.tenantId, busy.get(e.tenantId)! - 1)
        }
        // Every type: the accounts and emails of these users too.
        one.roster.onEvent(handler('one'), { consumer: 'shared' })
        two.roster.onEvent(handler('two'), { consumer: 'shared' })
        await Promise.all([one.roster.start(), two.roster.start()])
        await Promise.all(slugs.map((slug, i) => provision(i % 2 ? one : two, slug, tenants[slug]!.token, ['s1', 's2', 's3', 's4', 's5'].map((n) => `${n}-${slug}`))))
        await one.roster.store.sequenceEvents()
        let total = 0
        for (const t of await one.roster.store.listTenants()) total += (await one.roster.store.eventFeed.list(t.id, 0, 10_000)).length
        await until(`all ${total} events are handled`, () => handled.length >= total)
        assert.equal(overlaps, 0)
        assert.equal(handled.length, total)
        assert.equal(new Set(handled.map((h) => h.id)).size, total)
      } finally {
        await Promise.all([one.close(), two.close()])
      }
    })
  })
}
