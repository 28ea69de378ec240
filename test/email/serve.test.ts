/**
 * `roster serve` as operators run it: with ROSTER_SMTP_URL it delivers the welcome mail of a
 * SCIM create (one process, and two workers); without it the mail waits in the outbox; a URL
 * it cannot use stops it at once. Whatever it prints never shows the SMTP password.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import type { Tenant } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { BIN, cliEnv } from '../helpers/cli-process.js'
import { USER_SCHEMA } from '../helpers/harness.js'
import { startServer } from '../helpers/server-process.js'
import { SmtpSink, waitFor } from './smtp-sink.js'

const credentials = { user: 'roster@example.test', password: 'c0rrect horse:battery/staple' }
const FROM = 'Roster Test <roster@example.test>'

const dir = mkdtempSync(join(tmpdir(), 'roster-email-serve-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A database with an enterprise and a SCIM token for it, made before the server starts. */
async function seed(database: string): Promise<{ tenant: Tenant; token: string }> {
  const store = await openStore(database)
  try {
    await store.migrate()
    const tenant = await createTenant(store, 'enterprise', 'globex')
    return { tenant, token: (await issueToken(store, tenant)).token }
  } finally {
    await store.close()
  }
}

async function createUser(address: string, token: string, userName: string, email: string): Promise<void> {
  const res = await fetch(`${address}/scim/v2/enterprises/globex/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: [USER_SCHEMA], userName, emails: [{ value: email, primary: true }] }),
  })
  assert.equal(res.status, 201, await res.text())
}

const secretForms = [credentials.password, encodeURIComponent(credentials.password), Buffer.from(credentials.password).toString('base64')]

describe('roster serve with ROSTER_SMTP_URL', () => {
  let sink: SmtpSink
  before(async () => {
    sink = await SmtpSink.start({ auth: credentials })
  })
  after(() => sink.close())

  for (const workers of [1, 2]) {
    const how = workers === 1 ? 'one process' : `--workers ${workers}`
    test(`${how}: a SCIM create's welcome mail arrives at once, drift is repaired by one process`, async () => {
      const database = `sqlite:${join(dir, `workers-${workers}.db`)}`
      const { token } = await seed(database)
      const server = await startServer(['--database', database, ...(workers > 1 ? ['--workers', String(workers)] : [])], {
        ROSTER_SMTP_URL: sink.url(credentials),
        ROSTER_SMTP_FROM: FROM,
        // Far longer than the test may wait: the mail can only go at once because the write nudged the sender.
        ROSTER_OUTBOX_POLL_MS: '600000',
        ROSTER_LOG_LEVEL: 'info',
      })
      let code: number | null
      const recipient = `new-hire-${workers}@globex.example`
      try {
        await waitFor('drift repair at start', () => server.stdout().includes('"msg":"drift repair done"'))
        await createUser(server.address, token, `new.hire.${workers}`, recipient)
        const mail = await waitFor('the welcome mail', () => sink.arrivals.find((a) => a.rcptTo.includes(recipient)))
        assert.equal(mail.headers.get('from'), FROM)
        assert.equal(mail.headers.get('subject'), 'Your globex account is ready')
        assert.equal(mail.user, credentials.user)
        assert.match(mail.text ?? '', /^Hello new\.hire\.\d,\n\nyour account new-hire-\d_[a-z0-9]+ for globex has been created by your organization\.\n$/)
      } finally {
        code = await server.stop()
      }
      assert.equal(code, 0, server.stderr())
      assert.equal(sink.arrivals.filter((a) => a.rcptTo.includes(recipient)).length, 1, 'exactly one mail')
      const out = server.stdout()
      const said = out.match(/"msg":"email: delivering the outbox through smtp:\/\/roster%40example\.test:\*\*\*@127\.0\.0\.1:\d+"/g) ?? []
      assert.equal(said.length, workers, 'each process says once where it sends mail')
      assert.equal(out.match(/"msg":"drift repair done"/g)?.length, 1, 'drift is repaired by one process')
      for (const form of secretForms) {
        assert.ok(!out.includes(form) && !server.stderr().includes(form), `the password (${form}) is not printed`)
      }
    })
  }
})

test('--workers 2: when the worker repairing drift dies, another takes the job', async () => {
  const database = `sqlite:${join(dir, 'takeover.db')}`
  await seed(database)
  const server = await startServer(['--database', database, '--workers', '2'], { ROSTER_LOG_LEVEL: 'info' })
  try {
    const repairers = () => [...server.stdout().matchAll(/"pid":(\d+)[^\n]*"msg":"drift repair done"/g)].map((m) => Number(m[1]))
    const [first] = await waitFor('the first drift repair', () => repairers().length === 1 && repairers())
    process.kill(first!, 'SIGKILL')
    const [, second] = await waitFor('a drift repair by another worker', () => repairers().length === 2 && repairers())
    assert.notEqual(second, first)
  } finally {
    assert.equal(await server.stop(), 0, server.stderr())
  }
})

test('roster serve without ROSTER_SMTP_URL: says so once, and the mail stays pending in the outbox', async () => {
  const database = `sqlite:${join(dir, 'no-smtp.db')}`
  const { tenant, token } = await seed(database)
  const server = await startServer(['--database', database], { ROSTER_LOG_LEVEL: 'info' })
  try {
    await createUser(server.address, token, 'waiting', 'waiting@globex.example')
  } finally {
    assert.equal(await server.stop(), 0, server.stderr())
  }
  assert.equal(server.stdout().match(/"msg":"email: ROSTER_SMTP_URL is not set, so no email is sent; messages stay pending in the outbox"/g)?.length, 1)
  const store = await openStore(database)
  try {
    const { items } = await store.forTenant(tenant).transaction((tx) => tx.outbox.list({ limit: 10 }))
    assert.deepEqual(
      items.map((m) => [m.recipient, m.state, m.attempts]),
      [['waiting@globex.example', 'pending', 0]],
    )
  } finally {
    await store.close()
  }
})

test('roster serve with an SMTP URL it cannot use: exit 2, one line, no password', () => {
  for (const [url, why] of [
    [
      'http://roster:hunter2@mail.example.com',
      /^roster: ROSTER_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL .*not http:\/\/.*got 'http:\/\/roster:\*\*\*@mail\.example\.com\/'$/,
    ],
    ['smtp://roster:hunter2@mail.example.com?timeout=5', /^roster: ROSTER_SMTP_URL: 'timeout' is not a parameter Roster passes on/],
  ] as const) {
    const r = spawnSync(BIN, ['serve', '--port', '0', '--database', `sqlite:${join(dir, 'bad-url.db')}`], {
      encoding: 'utf8',
      env: cliEnv({ ROSTER_SMTP_URL: url }),
      timeout: 30_000,
    })
    assert.equal(r.status, 2, r.stderr)
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr)
    assert.match(r.stderr.trimEnd(), why)
    assert.ok(!r.stderr.includes('hunter2') && !r.stdout.includes('hunter2'))
  }
})
