/**
 * `roster admin-token …` through the real bin/roster, on SQLite and PostgreSQL: what a token
 * reaches, the lifetime rules of `token create`, the listing, and revocation, each checked
 * against the authenticator the admin API uses.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { AdminTokenAuthenticator, issueAdminToken } from '../src/provisioning/admin-tokens.js'
import { requireTenant } from '../src/provisioning/tenants.js'
import type { Store } from '../src/store/contract.js'
import type { AdminTokenRecord } from '../src/store/records/admin-token.js'
import { openStore } from '../src/store/open-store.js'
import { runCli } from './helpers/cli-process.js'
import { testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-admin-token-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'admin.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

const DAY_MS = 86_400_000

async function withStore<T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** What the admin API would make of the token: its record, or the 401's detail. */
const authenticate = (url: string, token: string) =>
  withStore(url, (store) =>
    new AdminTokenAuthenticator(store).authenticate(`Bearer ${token}`).catch((e: { detail?: string }) => e.detail ?? String(e)),
  )

/** The id and the secret `admin-token create` printed. */
function created(stdout: string): { id: string; token: string } {
  const id = /^Created admin token '([0-9a-f-]{36})'/.exec(stdout)?.[1]
  const token = stdout.trimEnd().split('\n').at(-1)!
  assert.ok(id, stdout)
  assert.match(token, /^roster_admin_[A-Za-z0-9_-]{43}$/)
  return { id, token }
}

for (const database of DATABASES) {
  describe(`admin-token commands (${database.name})`, () => {
    let db: { url: string; drop: () => Promise<void> }
    const roster = (...args: string[]) => runCli([...args, '--database', db.url])
    const listed = (...args: string[]): (Omit<AdminTokenRecord, 'hash'> & { status: string; tenant: { slug: string } | null })[] =>
      JSON.parse(roster('admin-token', 'list', '--json', ...args).stdout).items

    before(async () => {
      db = await database.create()
      assert.equal(roster('migrate').code, 0)
      assert.equal(roster('org', 'create', 'acme').code, 0)
      assert.equal(roster('enterprise', 'create', 'globex').code, 0)
    })
    after(() => db.drop())

    test('--instance: a token for every tenant, shown once, that the admin API accepts', async () => {
      const r = roster('admin-token', 'create', '--instance', '--name', 'ops')
      assert.equal(r.code, 0, r.stderr)
      const { id, token } = created(r.stdout)
      assert.equal(r.lines[0], `Created admin token '${id}' for the whole instance: it reaches every tenant and may create tenants.`)
      assert.match(r.lines[1]!, /^It expires at \S+, in 365 days\.$/)
      assert.equal(r.lines[2], 'Copy it now: it is shown only once.')
      assert.equal(r.lines.length, 4)
      const record = (await authenticate(db.url, token)) as AdminTokenRecord
      assert.equal(record.id, id)
      assert.equal(record.tenantId, null)
      assert.equal(record.name, 'ops')
    })

    test('--org/--enterprise: a token for that tenant only; lifetimes as token create has them', async () => {
      const started = Date.now()
      const r = roster('admin-token', 'create', '--org', 'acme', '--expires-in', '30')
      assert.equal(r.code, 0, r.stderr)
      const { id, token } = created(r.stdout)
      assert.equal(r.lines[0], `Created admin token '${id}' for organization 'acme': it reaches that tenant only.`)
      const at = Date.parse(/It expires at (\S+), in 30 days\./.exec(r.stdout)![1]!)
      assert.ok(at >= started + 30 * DAY_MS && at <= Date.now() + 30 * DAY_MS)
      const record = (await authenticate(db.url, token)) as AdminTokenRecord
      const acme = await withStore(db.url, (store) => requireTenant(store, 'organization', 'acme'))
      assert.equal(record.tenantId, acme.id)

      const forever = roster('admin-token', 'create', '--enterprise', 'globex', '--no-expiry', '--name', 'forever')
      assert.equal(forever.lines[1], 'It never expires: revoke it when it is no longer needed.')

      const before = listed().length
      for (const bad of ['0', '1.5', '3651']) {
        const refused = roster('admin-token', 'create', '--instance', `--expires-in=${bad}`)
        assert.equal(refused.code, 2, `'${bad}'`)
        // The same words as `token create`, whose test pins them.
        const scim = roster('token', 'create', '--org', 'acme', `--expires-in=${bad}`)
        assert.equal(refused.stderr.split('\n')[0], scim.stderr.split('\n')[0])
      }
      const refusals: [string[], string][] = [
        [['--instance', '--no-expiry', '--expires-in', '5'], 'give --expires-in DAYS or --no-expiry, not both'],
        [[], 'name what the token reaches: --org <slug> or --enterprise <slug> for one tenant, or --instance for every tenant'],
        [['--org', 'acme', '--instance'], 'name exactly one tenant: --org <slug>, --enterprise <slug> or --instance'],
        [['--org', ''], "--org takes a slug, got ''"],
        [['--instance', '--name', ''], "--name takes a name for the token, got ''"],
        [['--instance', '--json'], "--json is given to 'list' only"],
      ]
      for (const [args, message] of refusals) {
        const refused = roster('admin-token', 'create', ...args)
        assert.equal(refused.code, 2, args.join(' '))
        assert.equal(refused.stderr.split('\n')[0], `roster: ${message}`)
        assert.equal(refused.stdout, '')
      }
      const unknown = roster('admin-token', 'create', '--enterprise', 'nobody')
      assert.equal(unknown.code, 1)
      assert.equal(unknown.stderr, "roster: there is no enterprise 'nobody'\n")
      assert.equal(listed().length, before, 'no token was made by a refused command')
    })

    test('list: what each token reaches and its status, never its hash; a tenant option narrows it', async () => {
      // A token whose one day has passed.
      await withStore(db.url, async (store) => {
        const tenant = await requireTenant(store, 'enterprise', 'globex')
        await issueAdminToken(store, { tenant, name: 'stale', expiresInDays: 1, now: new Date(Date.now() - 2 * DAY_MS) })
      })
      const r = roster('admin-token', 'list')
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.lines[0]!, /^ID +REACHES +NAME +HINT +STATUS +CREATED +EXPIRES +LAST USED +REVOKED$/)
      const at = r.lines[0]!.indexOf('REACHES')
      const reach = r.lines.slice(1).map((l) => l.slice(at).split(/\s{2,}/).slice(0, 2))
      // Oldest first: the stale token was made as if two days ago.
      assert.deepEqual(reach, [
        ["enterprise 'globex'", 'stale'],
        ['every tenant', 'ops'],
        ["organization 'acme'", 'admin'],
        ["enterprise 'globex'", 'forever'],
      ])
      const all = listed()
      assert.deepEqual(
        all.map((t) => [t.name, t.status, t.tenant?.slug ?? null, t.expiresAt === null]),
        [
          ['stale', 'expired', 'globex', false],
          ['ops', 'active', null, false],
          ['admin', 'active', 'acme', false],
          ['forever', 'active', 'globex', true],
        ],
      )
      assert.ok(all.every((t) => !('hash' in t)))
      assert.ok(all.every((t) => /^roster_admin_.{4}…$/.test(t.hint)))
      assert.deepEqual(listed('--enterprise', 'globex').map((t) => t.name), ['stale', 'forever'])
      assert.deepEqual(listed('--instance').map((t) => t.name), ['ops'])
    })

    test('revoke: the admin API refuses the token from then on; a second revoke fails', async () => {
      const r = roster('admin-token', 'create', '--instance', '--name', 'short-lived')
      const { id, token } = created(r.stdout)
      assert.equal(roster('admin-token', 'revoke', id).stdout, `Revoked admin token '${id}'.\n`)
      assert.equal(await authenticate(db.url, token), 'the admin token is not valid, has expired or was revoked')
      assert.equal(listed('--instance').find((t) => t.id === id)?.status, 'revoked')
      const again = roster('admin-token', 'revoke', id)
      assert.equal(again.code, 1)
      assert.equal(again.stderr, `roster: there is no active admin token '${id}'\n`)
      const wrongly = roster('admin-token', 'revoke', id, '--instance')
      assert.equal(wrongly.code, 2)
      assert.equal(wrongly.stderr.split('\n')[0], "roster: --instance is given to 'create' and 'list' only")
      assert.equal(roster('admin-token', 'revoke').code, 2)
    })

    test('--help for every command this file and its siblings cover', () => {
      for (const command of ['admin-token', 'account', 'team', 'outbox', 'org', 'enterprise']) {
        const r = roster(command, '--help')
        assert.equal(r.code, 0, command)
        assert.match(r.stdout, new RegExp(`^Usage: roster ${command} `), command)
      }
      const main = roster('--help')
      for (const command of ['admin-token create|list|revoke', 'account list|show', 'team link|unlink|reconcile', 'outbox list|retry']) {
        assert.match(main.stdout, new RegExp(`^  ${command.replace(/\|/g, '\\|')} +\\S`, 'm'), command)
      }
    })
  })
}
