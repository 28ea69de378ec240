/**
 * Token lifetimes from the command line: whole days from 1 to 3650, 365 unless told; a token
 * that never expires only when asked for; `token list` shows status and expiry. On SQLite and
 * PostgreSQL.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { requireTenant } from '../src/provisioning/tenants.js'
import { issueToken } from '../src/provisioning/tokens.js'
import { openStore } from '../src/store/open-store.js'
import { runCli } from './helpers/cli-process.js'
import { testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-token-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DAY_MS = 86_400_000

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'tokens.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

for (const database of DATABASES) {
  describe(`token create and list (${database.name})`, () => {
    let db: { url: string; drop: () => Promise<void> }
    const roster = (...args: string[]) => runCli([...args, '--database', db.url])
    /** The expiry `token create` printed, as ms since the epoch; undefined: it said it never expires. */
    const expiry = (stdout: string) => {
      const at = /It expires at (\S+), in (\d+) days\./.exec(stdout)
      if (at) return Date.parse(at[1]!)
      assert.match(stdout, /It never expires/)
      return undefined
    }

    before(async () => {
      db = await database.create()
      assert.equal(roster('migrate').code, 0)
      assert.equal(roster('org', 'create', 'acme').code, 0)
    })
    after(() => db.drop())

    test('--expires-in takes whole days from 1 to 3650 only; anything else is a usage error', () => {
      for (const bad of ['0', '', '0.5', '1.5', '-1', '3651', '1e2', ' 30', '30days', 'never']) {
        const r = roster('token', 'create', '--org', 'acme', `--expires-in=${bad}`)
        assert.equal(r.code, 2, `'${bad}': ${r.stderr}`)
        assert.match(
          r.stderr,
          /^roster: --expires-in takes a whole number of days from 1 to 3650, got '.*'; a token that never expires is asked for with --no-expiry\n/,
        )
        assert.equal(r.stdout, '', 'no token was made')
      }
      const list = roster('token', 'list')
      assert.equal(list.lines.length, 1, `only the header: ${list.stdout}`)
    })

    test('1 and 3650 days; 365 by default', () => {
      for (const [args, days] of [[['--expires-in', '1'], 1], [['--expires-in', '3650'], 3650], [[], 365]] as const) {
        const started = Date.now()
        const r = roster('token', 'create', '--org', 'acme', ...args)
        assert.equal(r.code, 0, r.stderr)
        const at = expiry(r.stdout)!
        assert.ok(at >= started + days * DAY_MS && at <= Date.now() + days * DAY_MS, `${days} days`)
        assert.match(r.stdout, new RegExp(`, in ${days} days\\.`))
      }
    })

    test('a token that never expires only with --no-expiry, and not together with --expires-in', () => {
      const r = roster('token', 'create', '--org', 'acme', '--no-expiry', '--name', 'forever')
      assert.equal(r.code, 0, r.stderr)
      assert.equal(expiry(r.stdout), undefined)
      const both = roster('token', 'create', '--org', 'acme', '--no-expiry', '--expires-in', '30')
      assert.equal(both.code, 2)
      assert.match(both.stderr, /^roster: give --expires-in DAYS or --no-expiry, not both/)
      const line = roster('token', 'list', '--org', 'acme').lines.find((l) => l.includes('\tforever\t'))!
      const [, tenant, , , status, , expires] = line.split('\t')
      assert.equal(tenant, "organization 'acme'")
      assert.equal(status, 'active')
      assert.equal(expires, 'never')
    })

    test('token list shows each status: active, expired, revoked', async () => {
      // A token whose day has passed: issued as if two days ago, for one day.
      const store = await openStore(db.url)
      try {
        const tenant = await requireTenant(store, 'organization', 'acme')
        await issueToken(store, tenant, { name: 'stale', expiresInDays: 1, now: new Date(Date.now() - 2 * DAY_MS) })
      } finally {
        await store.close()
      }
      const revoked = roster('token', 'create', '--org', 'acme', '--name', 'gone')
      const id = /Created token '([^']+)'/.exec(revoked.stdout)![1]!
      assert.equal(roster('token', 'revoke', id).stdout, `Revoked token '${id}'.\n`)
      const list = roster('token', 'list')
      assert.deepEqual(list.lines[0]!.split('\t'), ['id', 'tenant', 'name', 'hint', 'status', 'created', 'expires', 'last used', 'revoked'])
      const status = (name: string) => list.lines.find((l) => l.split('\t')[2] === name)?.split('\t')[4]
      assert.equal(status('stale'), 'expired')
      assert.equal(status('gone'), 'revoked')
      assert.equal(status('forever'), 'active')
      const again = roster('token', 'revoke', id)
      assert.equal(again.code, 1)
      assert.equal(again.stderr, `roster: there is no active token '${id}'\n`)
    })

    test("messages quote names one way, and hints name the command as typed", () => {
      const created = roster('enterprise', 'create', 'globex')
      assert.equal(created.code, 0, created.stderr)
      assert.equal(created.lines[0], "Created enterprise 'globex'.")
      assert.match(created.lines.at(-1)!, /^Next: bin\/roster token create --enterprise globex --database /)
      const npx = runCli(['org', 'create', 'initech', '--database', db.url], { env: { npm_command: 'exec' } })
      assert.match(npx.lines.at(-1)!, /^Next: npx roster token create --org initech --database /)
      assert.equal(roster('org', 'create', 'globex').code, 0, 'an organization may share the slug')
      const duplicate = roster('enterprise', 'create', 'globex')
      assert.equal(duplicate.stderr, "roster: enterprise 'globex' already exists\n")
      assert.equal(roster('token', 'create', '--enterprise', 'nobody').stderr, "roster: there is no enterprise 'nobody'\n")
    })
  })
}
