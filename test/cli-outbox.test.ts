/**
 * `roster outbox …` through the real bin/roster, on SQLite and PostgreSQL. The messages are the
 * ones SCIM writes queue (welcome mails of an enterprise, an organization's invitation), moved
 * through their states by the delivery queries a sender uses.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { buildApp } from '../src/http/app.js'
import { configFromEnv } from '../src/http/config.js'
import { requireTenant, tenantBasePath } from '../src/provisioning/tenants.js'
import { issueToken } from '../src/provisioning/tokens.js'
import { defaultRegistry } from '../src/scim/schema/resource-types.js'
import type { Store, TenantKind } from '../src/store/contract.js'
import { openStore } from '../src/store/open-store.js'
import { runCli } from './helpers/cli-process.js'
import { testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-outbox-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'outbox.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const HOUR_MS = 3_600_000

async function withStore<T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Users with an email, posted as an IdP posts them: each queues a welcome mail or an invitation. */
async function provision(store: Store, kind: TenantKind, slug: string, names: string[]): Promise<void> {
  const app = await buildApp({ store, registry: defaultRegistry(), config: { ...configFromEnv({}), publicUrl: 'https://roster.test' } })
  try {
    const tenant = await requireTenant(store, kind, slug)
    const { token } = await issueToken(store, tenant)
    for (const name of names) {
      const r = await app.inject({
        method: 'POST',
        url: `${tenantBasePath(tenant)}/Users`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ schemas: [USER], userName: name, emails: [{ value: `${name}@example.com`, primary: true }] }),
      })
      assert.equal(r.statusCode, 201, r.body)
    }
  } finally {
    await app.close()
  }
}

interface Listed {
  id: string
  recipient: string
  state: string
  attempts: number
  lastError: string | null
  [key: string]: unknown
}

for (const database of DATABASES) {
  describe(`outbox commands (${database.name})`, () => {
    let db: { url: string; drop: () => Promise<void> }
    const roster = (...args: string[]) => runCli([...args, '--database', db.url])
    const listed = (...args: string[]): Listed[] => {
      const r = roster('outbox', 'list', ...args, '--json')
      assert.equal(r.code, 0, r.stderr)
      return JSON.parse(r.stdout).items
    }
    const ids: Record<string, string> = {}

    before(async () => {
      db = await database.create()
      assert.equal(roster('migrate').code, 0)
      assert.equal(roster('enterprise', 'create', 'acme').code, 0)
      assert.equal(roster('org', 'create', 'beta').code, 0)
      await withStore(db.url, async (store) => {
        await provision(store, 'enterprise', 'acme', ['alice', 'bob', 'carl'])
        await provision(store, 'organization', 'beta', ['dora'])
        // A sender takes all four; one fails for good, one is sent, one waits for a later try,
        // and one is still being sent.
        const now = new Date()
        const claimed = await store.outboxDelivery.claim(now.toISOString(), new Date(now.getTime() + HOUR_MS).toISOString(), 10)
        assert.equal(claimed.length, 4)
        for (const m of claimed) ids[m.recipient.split('@')[0]!] = m.id
        const acme = store.forTenant((await store.findTenant('enterprise', 'acme'))!)
        await acme.transaction((tx) => tx.outbox.settle(ids.alice!, { state: 'failed', error: '550 mailbox unavailable' }))
        await acme.transaction((tx) => tx.outbox.settle(ids.bob!, { state: 'sent', at: now.toISOString() }))
        await store.outboxDelivery.markRetry(ids.dora!, new Date(now.getTime() + HOUR_MS).toISOString(), 'connection timed out')
      })
    })
    after(() => db.drop())

    test('list: one row a message, its state, when, and the last error; --state, --limit, --json', () => {
      const r = roster('outbox', 'list', '--enterprise', 'acme')
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.lines[0]!, /^ID +STATE +TEMPLATE +RECIPIENT +ATTEMPTS +CREATED +WHEN +LAST ERROR$/)
      const rows = r.lines.slice(1).map((l) => l.split(/\s{2,}/))
      assert.deepEqual(
        rows.map(([id, state, template, recipient, attempts]) => [id, state, template, recipient, attempts]),
        [
          [ids.alice, 'failed', 'welcome', 'alice@example.com', '1'],
          [ids.bob, 'sent', 'welcome', 'bob@example.com', '1'],
          [ids.carl, 'sending', 'welcome', 'carl@example.com', '1'],
        ],
      )
      const [failed, sent, sending] = rows.map((row) => ({ when: row[6], error: row[7] }))
      assert.deepEqual(failed, { when: '-', error: '550 mailbox unavailable' })
      assert.match(sent!.when!, /^sent \d{4}-\d\d-\d\dT/)
      assert.equal(sent!.error, '-')
      assert.match(sending!.when!, /^sending until \d{4}-\d\d-\d\dT/)

      assert.deepEqual(
        listed('--enterprise', 'acme', '--state', 'failed').map((m) => [m.id, m.lastError]),
        [[ids.alice, '550 mailbox unavailable']],
      )
      const limited = roster('outbox', 'list', '--enterprise', 'acme', '--limit', '2')
      assert.equal(limited.lines.length, 4)
      assert.equal(limited.lines[3], 'Showing the first 2; there are more: raise --limit or narrow with --state.')
      assert.equal(JSON.parse(roster('outbox', 'list', '--enterprise', 'acme', '--limit', '2', '--json').stdout).more, true)
      assert.equal(
        roster('outbox', 'list', '--org', 'beta', '--state', 'sent').stdout,
        "No sent messages in the outbox of organization 'beta'.\n",
      )
    })

    test('bodies are never printed: an invitation holds the secret that accepts it', async () => {
      const text = await withStore(db.url, async (store) => {
        const beta = store.forTenant(await requireTenant(store, 'organization', 'beta'))
        return (await beta.transaction((tx) => tx.outbox.get(ids.dora!)))!.text
      })
      assert.match(text, /roster_inv_/, 'the invitation mail holds its token')
      const [dora] = listed('--org', 'beta')
      assert.deepEqual(Object.keys(dora!).filter((k) => k === 'text' || k === 'html'), [])
      assert.equal(dora!.lastError, 'connection timed out')
      assert.equal(dora!.state, 'pending')
      for (const out of [roster('outbox', 'list', '--org', 'beta').stdout, roster('outbox', 'list', '--org', 'beta', '--json').stdout]) {
        assert.doesNotMatch(out, /roster_inv_/)
      }
    })

    test('retry: a failed message is pending again, due now, and a sender takes it; anything else is refused', async () => {
      const r = roster('outbox', 'retry', ids.alice!, '--enterprise', 'acme')
      assert.equal(r.code, 0, r.stderr)
      assert.equal(
        r.stdout,
        `Message '${ids.alice}' (welcome to alice@example.com) is pending again, due now, with its attempts counted from 0.\n`,
      )
      const [alice] = listed('--enterprise', 'acme', '--state', 'pending')
      assert.deepEqual([alice!.id, alice!.attempts], [ids.alice, 0])
      await withStore(db.url, async (store) => {
        const now = new Date()
        const taken = await store.outboxDelivery.claim(now.toISOString(), new Date(now.getTime() + HOUR_MS).toISOString(), 10)
        assert.deepEqual(taken.map((m) => m.id), [ids.alice], 'due now; dora waits for her later try')
      })

      const refusals: [string, string, string][] = [
        [ids.alice!, 'acme', `message '${ids.alice}' is sending, not failed: only a failed message is retried`],
        [ids.bob!, 'acme', `message '${ids.bob}' is sent, not failed: only a failed message is retried`],
        ['no-such-message', 'acme', "there is no message 'no-such-message' in the outbox of enterprise 'acme'"],
      ]
      for (const [id, slug, message] of refusals) {
        const refused = roster('outbox', 'retry', id, '--enterprise', slug)
        assert.equal(refused.code, 1)
        assert.equal(refused.stderr, `roster: ${message}\n`)
      }
      // An outbox is its tenant's: another tenant's message is not found.
      const elsewhere = roster('outbox', 'retry', ids.dora!, '--enterprise', 'acme')
      assert.equal(elsewhere.stderr, `roster: there is no message '${ids.dora}' in the outbox of enterprise 'acme'\n`)
    })

    test('called wrongly: exit 2 with the reason and the usage', () => {
      const cases: [string[], string][] = [
        [['outbox', 'list'], 'name exactly one tenant: --org <slug>, --enterprise <slug> or --instance'],
        [['outbox', 'list', '--org', 'beta', '--state', 'lost'], "--state takes pending, sending, sent or failed, got 'lost'"],
        [['outbox', 'list', '--org', 'beta', '--limit', '10001'], "--limit takes a whole number from 1 to 10000, got '10001'"],
        [['outbox', 'retry', '--org', 'beta'], "'retry' takes exactly one message id"],
        [['outbox', 'retry', 'x', '--org', 'beta', '--state', 'failed'], "--state is given to 'list' only"],
        [['outbox', 'purge', '--org', 'beta'], "unknown action 'purge'"],
      ]
      for (const [args, message] of cases) {
        const r = roster(...args)
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stderr.split('\n')[0], `roster: ${message}`, args.join(' '))
        assert.match(r.stderr, /\n\nUsage: roster outbox list <tenant>/)
      }
      assert.match(roster('outbox', '--help').stdout, /^Usage: roster outbox list <tenant>/)
    })
  })
}
