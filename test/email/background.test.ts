/**
 * The background jobs of a server process (background.ts): drift repair at start and on its
 * interval, its failures logged without ending anything; the sender only when SMTP is set.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Background, type BackgroundConfig } from '../../src/provisioning/background.js'
import type { Log } from '../../src/provisioning/email/sender.js'
import { parseSmtpUrl } from '../../src/provisioning/email/smtp.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { startHarness, STORES, USER_SCHEMA, type Harness } from '../helpers/harness.js'
import { SmtpSink, waitFor } from './smtp-sink.js'

interface Line {
  readonly level: string
  readonly fields: Record<string, unknown>
  readonly message: string
}

function recordingLog(): Log & { lines: Line[] } {
  const lines: Line[] = []
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message })
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

const config = (overrides: Partial<BackgroundConfig['email']> = {}, reconcileIntervalMs = 86_400_000): BackgroundConfig => ({
  email: { smtp: undefined, from: 'roster@example.test', pollMs: 20, retryBaseMs: 10, maxAttempts: 8, ...overrides },
  reconcileIntervalMs,
})

for (const { name, open } of STORES) {
  describe(`background jobs [${name}]`, () => {
    let h: Harness
    before(async () => {
      h = await startHarness(open)
    })
    after(() => h.close())

    test('drift repair runs at start: a SCIM user created while the tenant kept no accounts gets one', async () => {
      const tenant = await createTenant(h.store, 'enterprise', 'drifted')
      const { token } = await issueToken(h.store, tenant)
      await h.store.updateTenantSettings(tenant.id, { ...tenant.settings, accounts: false })
      const res = await h.raw({
        method: 'POST',
        url: '/scim/v2/enterprises/drifted/Users',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'late.account' }),
      })
      assert.equal(res.status, 201, res.text)
      const userId = res.body.id as string
      const account = () => h.store.forTenant(tenant).transaction((tx) => tx.accounts.byScimUser(userId))
      assert.equal(await account(), undefined)
      await h.store.updateTenantSettings(tenant.id, { ...tenant.settings, accounts: true })

      const log = recordingLog()
      const jobs = Background.start({ store: h.store, config: config(), log, driftRepair: true })
      try {
        const done = await waitFor('drift repair', () => log.lines.find((l) => l.message === 'drift repair done'))
        assert.equal((done.fields.drift as { accountsRepaired: number }).accountsRepaired, 1)
        assert.match((await account())?.login ?? '', /^late-account_/)
      } finally {
        await jobs.stop()
      }
    })

    test('drift repair runs again every interval, and only where it was asked for', async () => {
      const log = recordingLog()
      const jobs = Background.start({ store: h.store, config: config({}, 5), log, driftRepair: false })
      try {
        assert.equal(log.lines.filter((l) => l.message === 'drift repair done').length, 0)
        jobs.startDriftRepair()
        jobs.startDriftRepair()
        await waitFor('three runs', () => log.lines.filter((l) => l.message === 'drift repair done').length >= 3)
      } finally {
        await jobs.stop()
      }
      assert.equal(log.lines.filter((l) => l.level === 'error').length, 0)
    })

    test('without SMTP no sender runs, and it says so once', async () => {
      const log = recordingLog()
      const jobs = Background.start({ store: h.store, config: config(), log, driftRepair: false })
      jobs.nudge()
      await jobs.stop()
      assert.deepEqual(
        log.lines.map((l) => l.message),
        ['email: ROSTER_SMTP_URL is not set, so no email is sent; messages stay pending in the outbox'],
      )
    })

    test('with SMTP it says where mail goes, without the password, and delivers', async () => {
      const sink = await SmtpSink.start({ auth: { user: 'mailer', password: 's3cret!pass' } })
      const log = recordingLog()
      const smtp = parseSmtpUrl(sink.url({ user: 'mailer', password: 's3cret!pass' }))
      const jobs = Background.start({ store: h.store, config: config({ smtp }), log, driftRepair: false })
      try {
        const res = await h.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'kim@acme.example', emails: [{ value: 'kim@acme.example' }] })
        assert.equal(res.status, 201, res.text)
        jobs.nudge()
        await waitFor('the invitation mail', () => sink.arrivals.some((a) => a.rcptTo.includes('kim@acme.example')))
      } finally {
        await jobs.stop()
        await sink.close()
      }
      const first = log.lines[0]!
      assert.equal(first.message, `email: delivering the outbox through smtp://mailer:***@127.0.0.1:${sink.port}`)
      assert.deepEqual(first.fields, { smtp: `smtp://mailer:***@127.0.0.1:${sink.port}`, from: 'roster@example.test' })
      assert.ok(!JSON.stringify(log.lines).includes('s3cret'))
    })
  })
}

test('a drift repair that fails is logged, and the schedule goes on', async () => {
  const { open } = STORES[0]!
  const store = await open()
  await store.migrate()
  // A closed store: every run fails, as during a database outage.
  await store.close()
  const log = recordingLog()
  const jobs = Background.start({ store, config: config({}, 5), log, driftRepair: true })
  try {
    await waitFor('two failed runs', () => log.lines.filter((l) => l.level === 'error').length >= 2)
  } finally {
    await jobs.stop()
  }
  assert.match(log.lines.find((l) => l.level === 'error')!.message, /^drift repair failed: .+; it runs again at the next interval$/)
})
