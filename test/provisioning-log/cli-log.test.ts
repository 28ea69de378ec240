/** `roster log tail` through the real bin/roster, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, describe, test } from 'node:test'
import { buildApp } from '../../src/http/app.js'
import { configFromEnv } from '../../src/http/config.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type { Store } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { BIN, cliEnv, ROOT, runCli } from '../helpers/cli-process.js'
import { testPostgres } from '../helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-log-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'log.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'

/** SCIM calls as an IdP makes them, through the real app. */
async function scim(store: Store, token: string, calls: { method: 'POST' | 'GET'; path: string; body?: unknown; agent: string }[]) {
  const app = await buildApp({ store, registry: defaultRegistry(), config: { ...configFromEnv({}), publicUrl: 'https://roster.test' } })
  try {
    for (const c of calls) {
      await app.inject({
        method: c.method,
        url: `/scim/v2/organizations/acme${c.path}`,
        headers: { authorization: `Bearer ${token}`, 'user-agent': c.agent, ...(c.body !== undefined && { 'content-type': 'application/scim+json' }) },
        ...(c.body !== undefined && { payload: JSON.stringify(c.body) }),
      })
    }
  } finally {
    await app.close()
  }
}

for (const { name, create } of DATABASES) {
  describe(`roster log tail [${name}]`, () => {
    test('aligned lines oldest first, --status, --json, --follow', async () => {
      const db = await create()
      const store = await openStore(db.url)
      try {
        await store.migrate()
        const tenant = await createTenant(store, 'organization', 'acme')
        const { token } = await issueToken(store, tenant)
        await scim(store, token, [
          { method: 'POST', path: '/Users', body: { schemas: [USER], userName: 'ada', password: 's3cret-pw' }, agent: 'OKTA SCIM Integration' },
          { method: 'POST', path: '/Users', body: { schemas: [USER], userName: 'ADA' }, agent: 'OKTA SCIM Integration' },
          { method: 'GET', path: '/Users/nope', agent: 'JumpCloud' },
        ])
        const args = ['log', 'tail', '--org', 'acme', '--database', db.url]
        const tail = runCli(args)
        assert.equal(tail.code, 0, tail.stderr)
        assert.equal(tail.lines.length, 3, tail.stdout)
        assert.match(tail.lines[0]!, /^\S+Z\s+201\s+POST\s+Okta\s+\d+\.\dms\s+\/Users\s+User ada \(password, userName\)$/)
        assert.match(tail.lines[1]!, /409\s+POST\s+Okta .* User ADA uniqueness: /)
        assert.match(tail.lines[2]!, /404\s+GET\s+JumpCloud .*\/Users\/nope\s+User nope .*not found/)
        assert.ok(!tail.stdout.includes('s3cret-pw'))
        // Aligned: the path starts in the same column on every line.
        const column = new Set(tail.lines.map((l) => l.indexOf(' /Users') + 1))
        assert.equal(column.size, 1, tail.stdout)

        const failures = runCli([...args, '--status', '4xx', '--lines', '1'])
        assert.equal(failures.lines.length, 1)
        assert.match(failures.lines[0]!, /404/)

        const json = runCli([...args, '--json'])
        const entries = json.lines.map((l) => JSON.parse(l))
        assert.deepEqual(entries.map((e) => e.status), [201, 409, 404])
        assert.deepEqual(entries[0].changes.find((c: { attribute: string }) => c.attribute === 'password'), { attribute: 'password', after: '********' })

        const bad = runCli([...args, '--status', '4XX'])
        assert.equal(bad.code, 2)
        assert.match(bad.stderr, /--status takes 2xx, 3xx, 4xx or 5xx, got '4XX'/)
        const none = runCli([...args, '--status', '5xx'])
        assert.equal(none.stdout.trim(), "No 5xx entries in the provisioning log of organization 'acme'.")

        // --follow: the last line now, then each new entry as it is written, until SIGINT.
        const child = spawn(BIN, [...args, '--follow', '--lines', '1'], { cwd: ROOT, env: cliEnv() })
        const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
        try {
          assert.match((await lines.next()).value, /404\s+GET/)
          await scim(store, token, [{ method: 'POST', path: '/Users', body: { schemas: [USER], userName: 'grace' }, agent: 'OneLogin' }])
          assert.match((await lines.next()).value, /201\s+POST\s+OneLogin .*User grace/)
        } finally {
          child.kill('SIGINT')
        }
        assert.equal(await exited, 0)
      } finally {
        await store.close()
        await db.drop()
      }
    })
  })
}
