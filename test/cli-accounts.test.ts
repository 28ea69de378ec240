/**
 * `roster account …` and short codes, through the real bin/roster, on SQLite and PostgreSQL.
 * Accounts are made as they are in production: SCIM users posted to the HTTP app of an
 * enterprise (managed by the IdP), and local accounts of an organization through AccountAdmin.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { buildApp } from '../src/http/app.js'
import { configFromEnv } from '../src/http/config.js'
import { AccountAdmin } from '../src/provisioning/accounts/admin-accounts.js'
import { issueCredential, listCredentials } from '../src/provisioning/accounts/credentials.js'
import { settingsOf } from '../src/provisioning/tenant-settings.js'
import { requireTenant, tenantBasePath } from '../src/provisioning/tenants.js'
import { issueToken } from '../src/provisioning/tokens.js'
import { defaultRegistry } from '../src/scim/schema/resource-types.js'
import type { Store, TenantKind } from '../src/store/contract.js'
import { openStore } from '../src/store/open-store.js'
import { runCli } from './helpers/cli-process.js'
import { testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-accounts-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'accounts.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'

async function withStore<T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** Posts SCIM users to a tenant as its IdP would: over HTTP, with a SCIM token. */
async function provision(store: Store, kind: TenantKind, slug: string, users: Record<string, unknown>[]): Promise<void> {
  const app = await buildApp({ store, registry: defaultRegistry(), config: { ...configFromEnv({}), publicUrl: 'https://roster.test' } })
  try {
    const tenant = await requireTenant(store, kind, slug)
    const { token } = await issueToken(store, tenant)
    for (const user of users) {
      const r = await app.inject({
        method: 'POST',
        url: `${tenantBasePath(tenant)}/Users`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ schemas: [USER], ...user }),
      })
      assert.equal(r.statusCode, 201, r.body)
    }
  } finally {
    await app.close()
  }
}

/** The column a header names, in each line of an aligned table: where the header's cell starts. */
function column(lines: string[], name: string): string[] {
  const at = lines[0]!.indexOf(name)
  assert.ok(at >= 0, `no column ${name} in ${lines[0]}`)
  return lines.slice(1).map((l) => l.slice(at).split(/\s{2,}/)[0]!)
}

for (const database of DATABASES) {
  describe(`account commands (${database.name})`, () => {
    let db: { url: string; drop: () => Promise<void> }
    const roster = (...args: string[]) => runCli([...args, '--database', db.url])
    let carol = ''
    let erin = ''

    before(async () => {
      db = await database.create()
      assert.equal(roster('migrate').code, 0)
      const created = roster('enterprise', 'create', 'acme', '--short-code', 'ac1')
      assert.equal(created.code, 0, created.stderr)
      assert.equal(created.lines[2], 'Short code: ac1 (logins made from SCIM userNames end in _ac1; it cannot change)')
      assert.equal(roster('org', 'create', 'beta').code, 0)
      await withStore(db.url, async (store) => {
        await provision(store, 'enterprise', 'acme', [
          { userName: 'alice@example.com', displayName: 'Alice Smith', emails: [{ value: 'alice@example.com', primary: true }] },
          { userName: 'bob@example.com', displayName: 'Bob' },
          // A name an IdP sent with a terminal escape sequence in it.
          { userName: 'mallory@example.com', displayName: 'Mal\u001b[31mlory' },
        ])
        const admin = new AccountAdmin(store.forTenant(await requireTenant(store, 'organization', 'beta')))
        carol = (await admin.create({ login: 'carol', emails: ['carol@example.com'], roles: ['billing_manager'] })).id
        const beta = store.forTenant(await requireTenant(store, 'organization', 'beta'))
        await issueCredential(beta, carol, 'session')
        erin = (await admin.create({ login: 'erin' })).id
        await admin.delete(erin)
      })
    })
    after(() => db.drop())

    test('short codes: given, made from the slug by default, checked before anything is written', async () => {
      const fallback = roster('enterprise', 'create', 'globex-7')
      assert.equal(fallback.code, 0, fallback.stderr)
      assert.match(fallback.stdout, /^Short code: globex7 \(/m)
      const org = roster('org', 'create', 'initech', '--short-code', 'INI9')
      assert.match(org.stdout, /^Short code: INI9 \(appended to logins under the 'github' login rule; this tenant uses 'userName'\)$/m)
      assert.doesNotMatch(roster('org', 'create', 'plain').stdout, /Short code/)
      for (const bad of ['ab', 'toolongcode', 'a-b-c', '']) {
        const r = roster('enterprise', 'create', 'bad', `--short-code=${bad}`)
        assert.equal(r.code, 2, r.stderr)
        assert.match(r.stderr, new RegExp(`^roster: --short-code: '${bad}' is not 3 to 8 letters and digits\n`))
      }
      assert.equal(roster('enterprise', 'list', '--short-code', 'abc').stderr.split('\n')[0], "roster: --short-code is given to 'create' only")
      const list = roster('enterprise', 'list').lines.map((l) => l.split('\t'))
      assert.deepEqual(
        list.map(([slug, , , code]) => [slug, code]),
        [
          ['acme', 'ac1'],
          ['globex-7', 'globex7'],
        ],
        'no enterprise "bad" was made',
      )
      await withStore(db.url, async (store) => {
        assert.equal(settingsOf(await requireTenant(store, 'organization', 'initech')).shortCode, 'INI9')
      })
    })

    test('account list: an aligned table; logins carry the short code; --search, --state, --limit; --json', () => {
      const r = roster('account', 'list', '--enterprise', 'acme')
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.lines[0]!, /^ID +LOGIN +STATE +SCIM +NAME +EMAIL +ROLES$/)
      assert.deepEqual(column(r.lines, 'LOGIN'), ['alice_ac1', 'bob_ac1', 'mallory_ac1'])
      assert.deepEqual(column(r.lines, 'STATE'), ['active', 'active', 'active'])
      assert.deepEqual(column(r.lines, 'SCIM'), ['managed', 'managed', 'managed'])
      assert.deepEqual(column(r.lines, 'EMAIL'), ['alice@example.com', '-', '-'])
      // The escape sequence is shown, not sent to the terminal.
      assert.ok(!r.stdout.includes('\u001b'), 'no raw escape character')
      assert.deepEqual(column(r.lines, 'NAME'), ['Alice Smith', 'Bob', 'Mal\\x1b[31mlory'])

      const json = JSON.parse(roster('account', 'list', '--enterprise', 'acme', '--json').stdout)
      assert.equal(json.more, false)
      assert.deepEqual(
        json.items.map((a: { login: string; scimManaged: boolean; displayName: string }) => [a.login, a.scimManaged, a.displayName]),
        [
          ['alice_ac1', true, 'Alice Smith'],
          ['bob_ac1', true, 'Bob'],
          ['mallory_ac1', true, 'Mal\u001b[31mlory'],
        ],
      )

      const search = roster('account', 'list', '--enterprise', 'acme', '--search', 'ALI')
      assert.deepEqual(column(search.lines, 'LOGIN'), ['alice_ac1'])
      const limited = roster('account', 'list', '--enterprise', 'acme', '--limit', '2')
      assert.deepEqual(column(limited.lines.slice(0, -1), 'LOGIN'), ['alice_ac1', 'bob_ac1'])
      assert.equal(limited.lines.at(-1), 'Showing the first 2; there are more: raise --limit or narrow with --search or --state.')
      assert.equal(JSON.parse(roster('account', 'list', '--enterprise', 'acme', '--limit', '2', '--json').stdout).more, true)

      const states = roster('account', 'list', '--org', 'beta', '--state', 'deleted', '--json')
      assert.deepEqual(JSON.parse(states.stdout).items.map((a: { id: string }) => a.id), [erin])
      assert.equal(roster('account', 'list', '--org', 'beta', '--search', 'zed').stdout, "No accounts in organization 'beta' match.\n")
      assert.equal(roster('account', 'list', '--instance').stdout, 'No accounts in the instance.\n')
    })

    test('account show: state, roles, emails, SCIM link and history, by login in any case or by id', () => {
      const r = roster('account', 'show', 'ALICE_AC1', '--enterprise', 'acme')
      assert.equal(r.code, 0, r.stderr)
      const id = /^Account 'alice_ac1' \(([0-9a-f-]{36})\) in enterprise 'acme'$/.exec(r.lines[0]!)?.[1]
      assert.ok(id, r.lines[0])
      const field = (name: string) => r.lines.find((l) => l.startsWith(`  ${name} `))?.slice(2 + name.length).trim()
      assert.equal(field('state'), 'active')
      assert.equal(field('display name'), 'Alice Smith')
      assert.equal(field('roles'), 'user')
      assert.equal(field('emails'), 'alice@example.com')
      assert.match(
        field('SCIM')!,
        /^managed by the identity provider, SCIM user [0-9a-f-]{36}; the tenant requires SCIM: change it at the IdP \(userName alice@example\.com\)$/,
      )
      const json = JSON.parse(roster('account', 'show', id, '--enterprise', 'acme', '--json').stdout)
      assert.equal(json.account.login, 'alice_ac1')
      assert.equal(json.scimUser.userName, 'alice@example.com')
      assert.equal(json.scimUser.id, json.account.scimUserId)
      assert.ok(Array.isArray(json.history))

      const missing = roster('account', 'show', 'nobody', '--enterprise', 'acme')
      assert.equal(missing.code, 1)
      assert.equal(missing.stderr, "roster: there is no account with the id or login 'nobody' in enterprise 'acme'\n")
      // Accounts are the tenant's: another tenant's login is not found here.
      assert.equal(roster('account', 'show', 'carol', '--enterprise', 'acme').code, 1)
    })

    test('suspend and unsuspend a local account: sessions revoked, history kept, a repeat says so', async () => {
      const suspended = roster('account', 'suspend', 'carol', '--org', 'beta')
      assert.equal(suspended.code, 0, suspended.stderr)
      assert.equal(suspended.stdout, `Suspended account 'carol' (${carol}): 1 session or token revoked, 0 teams left.\n`)
      assert.equal(roster('account', 'suspend', carol, '--org', 'beta').stdout, `Account 'carol' (${carol}) is suspended already.\n`)
      await withStore(db.url, async (store) => {
        const beta = store.forTenant(await requireTenant(store, 'organization', 'beta'))
        const [session] = await listCredentials(beta, carol)
        assert.notEqual(session?.revokedAt, null, 'its session was revoked')
      })
      const shown = roster('account', 'show', 'carol', '--org', 'beta')
      assert.match(shown.stdout, /^  state +suspended since \d{4}-\d\d-\d\dT/m)
      assert.match(shown.stdout, /^  roles +billing_manager$/m)

      const back = roster('account', 'unsuspend', 'carol', '--org', 'beta')
      assert.equal(back.code, 0, back.stderr)
      assert.equal(back.lines[0], `Unsuspended account 'carol' (${carol}): it is active again.`)
      const history = JSON.parse(roster('account', 'show', 'carol', '--org', 'beta', '--json').stdout).history
      assert.deepEqual(
        history.map((h: { action: string; detail: { by?: string } }) => [h.action, h.detail.by]),
        [
          ['created', 'admin'],
          ['suspended', 'admin'],
          ['unsuspended', 'admin'],
        ],
      )
      const text = roster('account', 'show', 'carol', '--org', 'beta')
      assert.match(text.stdout, /^History, oldest first:\n {2}\S+ {2}created {6}login=carol by=admin$/m)
    })

    test('an account the IdP manages, where the tenant requires SCIM: the domain refusal, exit 1, nothing changed', () => {
      for (const action of ['suspend', 'unsuspend']) {
        const r = roster('account', action, 'bob_ac1', '--enterprise', 'acme')
        assert.equal(r.code, 1)
        assert.equal(r.stdout, '')
        assert.equal(
          r.stderr,
          `roster: account 'bob_ac1' is managed by the identity provider through SCIM and this tenant requires SCIM: ` +
            `${action}ing it must come from the IdP (change the user there; it sends the change to Roster)\n`,
        )
      }
      const json = JSON.parse(roster('account', 'show', 'bob_ac1', '--enterprise', 'acme', '--json').stdout)
      assert.equal(json.account.state, 'active')
    })

    test('a deleted account: found by its id only, and it cannot change', () => {
      const shown = JSON.parse(roster('account', 'show', erin, '--org', 'beta', '--json').stdout)
      assert.equal(shown.account.state, 'deleted')
      assert.equal(shown.account.login, null)
      assert.equal(roster('account', 'show', 'erin', '--org', 'beta').code, 1, 'the login was freed')
      const r = roster('account', 'suspend', erin, '--org', 'beta')
      assert.equal(r.code, 1)
      assert.equal(r.stderr, `roster: account '${erin}' was deleted; it cannot change any more\n`)
    })

    test('called wrongly: exit 2 with the reason and the usage; an unknown tenant: exit 1', () => {
      const cases: [string[], string][] = [
        [['account', 'list'], 'name exactly one tenant: --org <slug>, --enterprise <slug> or --instance'],
        [['account', 'list', '--org', 'beta', '--instance'], 'name exactly one tenant: --org <slug>, --enterprise <slug> or --instance'],
        [['account', 'list', '--org', 'beta', '--state', 'gone'], "--state takes active, suspended or deleted, got 'gone'"],
        [['account', 'list', '--org', 'beta', '--limit', '0'], "--limit takes a whole number from 1 to 10000, got '0'"],
        [['account', 'list', '--org', 'beta', '--search', ''], "--search takes the start of a login, name or email, got ''"],
        [['account', 'show', '--org', 'beta'], "'show' takes an account id or login"],
        [['account', 'show', 'a', 'b', '--org', 'beta'], "unexpected argument 'b'"],
        [['account', 'show', 'carol', '--org', 'beta', '--state', 'active'], "--state is given to 'list' only"],
        [['account', 'suspend', 'carol', '--org', 'beta', '--json'], "--json is given to 'list' and 'show' only"],
        [['account', 'rename', 'carol', '--org', 'beta', '--state', 'active'], "unknown action 'rename'"],
        [['account'], 'an action is required'],
      ]
      for (const [args, message] of cases) {
        const r = roster(...args)
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stderr.split('\n')[0], `roster: ${message}`, args.join(' '))
        assert.match(r.stderr, /\n\nUsage: roster account list <tenant>/)
      }
      const unknown = roster('account', 'list', '--org', 'nope')
      assert.equal(unknown.code, 1)
      assert.equal(unknown.stderr, "roster: there is no organization 'nope'\n")
      const help = roster('account', '--help')
      assert.equal(help.code, 0)
      assert.match(help.stdout, /^Usage: roster account list <tenant>/)
    })
  })
}
