/**
 * Behind a TLS reverse proxy: `meta.location` must carry the URL clients use. Without a setting
 * the server only sees plain HTTP from the proxy; ROSTER_TRUST_PROXY believes the proxy's
 * X-Forwarded-Proto/-Host, ROSTER_PUBLIC_URL fixes the base whatever the headers say. Run as
 * `roster serve` on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runCli } from './helpers/cli-process.js'
import { startServer } from './helpers/server-process.js'
import { testPostgres } from './helpers/test-postgres.js'

const postgres = await testPostgres()
const dir = mkdtempSync(join(tmpdir(), 'roster-proxy-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'scim.example.com' }

const DATABASES: { name: string; create: () => Promise<{ url: string; drop: () => Promise<void> }> }[] = [
  { name: 'sqlite', create: async () => ({ url: `sqlite:${join(dir, 'proxy.db')}`, drop: async () => undefined }) },
  ...(postgres.available ? [{ name: 'postgres', create: () => postgres.postgres.scratchSchema() }] : []),
]

for (const database of DATABASES) {
  describe(`meta.location behind a proxy (${database.name})`, () => {
    let db: { url: string; drop: () => Promise<void> }
    let token: string
    let n = 0
    before(async () => {
      db = await database.create()
      assert.equal(runCli(['migrate', '--database', db.url]).code, 0)
      assert.equal(runCli(['org', 'create', 'acme', '--database', db.url]).code, 0)
      token = runCli(['token', 'create', '--org', 'acme', '--database', db.url]).lines.at(-1)!
    })
    after(() => db.drop())

    /** Starts a server with `env`, creates a user through it with the proxy's headers, and returns both locations. */
    async function locations(env: Record<string, string>) {
      const server = await startServer(['--database', db.url], env)
      try {
        const res = await fetch(`${server.address}/scim/v2/organizations/acme/Users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...FORWARDED },
          body: JSON.stringify({ schemas: [USER_SCHEMA], userName: `proxy-${++n}@example.com` }),
        })
        assert.equal(res.status, 201)
        const body = (await res.json()) as { meta: { location: string } }
        return { header: res.headers.get('location'), meta: body.meta.location, address: server.address }
      } finally {
        await server.stop()
      }
    }

    test('without a setting the proxy is not believed: locations are the plain HTTP the server sees', async () => {
      const { header, meta, address } = await locations({})
      assert.ok(meta.startsWith(`${address}/scim/v2/organizations/acme/Users/`), meta)
      assert.equal(header, meta)
    })

    test('ROSTER_TRUST_PROXY=true: the forwarded scheme and host', async () => {
      const { header, meta } = await locations({ ROSTER_TRUST_PROXY: 'true' })
      assert.match(meta, /^https:\/\/scim\.example\.com\/scim\/v2\/organizations\/acme\/Users\/[0-9a-f-]+$/)
      assert.equal(header, meta)
    })

    test('ROSTER_PUBLIC_URL: that base, whatever the headers say', async () => {
      const { meta } = await locations({ ROSTER_PUBLIC_URL: 'https://idp-facing.example.org/' })
      assert.match(meta, /^https:\/\/idp-facing\.example\.org\/scim\/v2\/organizations\/acme\/Users\/[0-9a-f-]+$/)
    })
  })
}
