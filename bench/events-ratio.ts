/**
 * What events cost SCIM creates: one process, two tenants with the account lifecycle on, one
 * with events (the default) and one with the tenant setting `events: false`, measured in
 * alternating rounds so that both sides see the same machine state. Creates go through
 * ResourceService with the hooks the HTTP layer composes (src/http/context.ts), from many
 * concurrent callers, as an IdP's initial sync sends them.
 *
 *   node dist/bench/events-ratio.js [--database postgres://…|sqlite] [--rounds 6] [--creates 2000] [--callers 32]
 *
 * PostgreSQL: a scratch schema on the named server (default the test server), dropped at the
 * end, with the server's own synchronous_commit (every commit waits for its WAL flush).
 * SQLite: a file in a temporary directory, removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { AccountLifecycle } from '../src/provisioning/accounts/lifecycle.js'
import { eventHooks } from '../src/provisioning/events/scim-events.js'
import { ResourceService } from '../src/provisioning/resources.js'
import { createTenant } from '../src/provisioning/tenants.js'
import { changedSettings } from '../src/provisioning/tenant-settings.js'
import { defaultRegistry } from '../src/scim/schema/resource-types.js'
import type { Store, Tenant } from '../src/store/contract.js'
import { openStore } from '../src/store/open-store.js'

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    rounds: { type: 'string', default: '6' },
    creates: { type: 'string', default: '2000' },
    callers: { type: 'string', default: '32' },
  },
})
const ROUNDS = Number(values.rounds)
const CREATES = Number(values.creates)
const CALLERS = Number(values.callers)

interface Target {
  readonly store: Store
  readonly cleanup: () => Promise<void>
}

async function open(database: string): Promise<Target> {
  if (database === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'roster-events-ratio-'))
    const store = await openStore(`sqlite:${join(dir, 'roster.db')}`)
    await store.migrate()
    return { store, cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
  }
  const schema = `roster_events_ratio_${process.pid}`
  const admin = new pg.Client({ connectionString: database })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  const url = new URL(database)
  url.searchParams.set('options', `-c search_path=${schema}`)
  const store = await openStore(url.href)
  await store.migrate()
  return {
    store,
    cleanup: async () => {
      await store.close()
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    },
  }
}

const HOOKS = eventHooks(new AccountLifecycle())

async function creates(store: Store, tenant: Tenant, round: number): Promise<number> {
  const service = new ResourceService(store.forTenant(tenant), defaultRegistry().require('User'), HOOKS)
  let next = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      for (let i = next++; i < CREATES; i = next++) {
        const userName = `r${round}-u${i}@${tenant.slug}.example`
        await service.create(
          { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, emails: [{ value: userName, primary: true }], active: true },
          undefined,
          { requestId: `r${round}-${i}`, method: 'POST', path: '/Users', tokenId: null, tokenName: null, userAgent: null },
        )
      }
    }),
  )
  return CREATES / (Number(process.hrtime.bigint() - started) / 1e9)
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const { store, cleanup } = await open(values.database!)
try {
  const on = await createTenant(store, 'enterprise', 'events-on')
  const created = await createTenant(store, 'enterprise', 'events-off')
  const off = (await store.updateTenantSettings(created.id, changedSettings(created, { events: false })))!
  // A warm-up round each: statement caches, JIT, the first pages of each table.
  await creates(store, on, 0)
  await creates(store, off, 0)
  const rates = { on: [] as number[], off: [] as number[] }
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which side goes first, so neither always runs on the warmer (or fuller) database.
    const order = round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)
    for (const side of order) rates[side].push(await creates(store, side === 'on' ? on : off, round))
  }
  const ratios = rates.on.map((r, i) => r / rates.off[i]!)
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ')
  console.log(`${values.database!.startsWith('sqlite') ? 'sqlite' : 'postgres'}: ${CREATES} creates x ${ROUNDS} rounds, ${CALLERS} callers`)
  console.log(`  events on : ${fmt(rates.on)} creates/s (median ${median(rates.on).toFixed(0)})`)
  console.log(`  events off: ${fmt(rates.off)} creates/s (median ${median(rates.off).toFixed(0)})`)
  console.log(`  on/off per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}x`)
} finally {
  await cleanup()
}
