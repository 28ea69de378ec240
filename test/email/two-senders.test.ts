/**
 * Two senders on one database, as two server processes (or `--workers`) run them: each through
 * a store of its own — two PostgreSQL pools on one schema, two SQLite connections to one file.
 * Every message is delivered exactly once, and both senders take part.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { enqueueEmail } from '../../src/provisioning/accounts/lifecycle.js'
import { DEFAULT_CONCURRENCY, OutboxSender, type Log } from '../../src/provisioning/email/sender.js'
import { parseSmtpUrl, SmtpMailer } from '../../src/provisioning/email/smtp.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import type { Store } from '../../src/store/contract.js'
import { openStore } from '../../src/store/open-store.js'
import { testPostgres } from '../helpers/test-postgres.js'
import { SmtpSink, waitFor } from './smtp-sink.js'

const MESSAGES = 40

interface TwoStores {
  readonly a: Store
  readonly b: Store
  close(): Promise<void>
}

const postgres = await testPostgres()
const DATABASES: readonly { name: string; open: () => Promise<TwoStores> }[] = [
  {
    name: 'sqlite file',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'roster-senders-'))
      const url = `sqlite:${join(dir, 'roster.db')}`
      const a = await openStore(url)
      await a.migrate()
      const b = await openStore(url)
      return {
        a,
        b,
        close: async () => {
          await Promise.all([a.close(), b.close()])
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
  ...(postgres.available
    ? [
        {
          name: 'postgres schema',
          open: async (): Promise<TwoStores> => {
            const { url, drop } = await postgres.postgres.scratchSchema()
            const a = await openStore(url)
            await a.migrate()
            const b = await openStore(url)
            return {
              a,
              b,
              close: async () => {
                await Promise.all([a.close(), b.close()])
                await drop()
              },
            }
          },
        },
      ]
    : []),
]

/** Counts the messages a sender reports as sent. */
function countingLog(): Log & { sent: number } {
  const log = {
    sent: 0,
    debug: (_fields: object, message: string) => {
      if (message === 'email: sent') log.sent++
    },
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  }
  return log
}

for (const { name, open } of DATABASES) {
  describe(`two senders on one database [${name}]`, () => {
    let stores: TwoStores
    let sink: SmtpSink
    before(async () => {
      stores = await open()
      sink = await SmtpSink.start()
    })
    after(async () => {
      await stores.close()
      await sink.close()
    })

    test(`${MESSAGES} messages: each delivered exactly once, by both senders together`, async () => {
      const tenant = await createTenant(stores.a, 'enterprise', 'umbrella')
      const now = new Date().toISOString()
      await stores.a.forTenant(tenant).transaction(async (tx) => {
        for (let i = 0; i < MESSAGES; i++) {
          const email = `user${i}@umbrella.example`
          await enqueueEmail(tx, tenant, 'welcome', email, { login: `user${i}`, displayName: `User ${i}`, email }, {}, now)
        }
      })
      // No reply until one more message waits than one sender has in flight at most: the
      // delivery only goes on once both senders are sending at the same time.
      sink.holdUntil = DEFAULT_CONCURRENCY + 1
      const logs = [countingLog(), countingLog()]
      const senders = [stores.a, stores.b].map(
        (store, i) =>
          new OutboxSender(store, new SmtpMailer(parseSmtpUrl(sink.url())), logs[i]!, {
            from: 'roster@example.test',
            pollMs: 20,
            retryBaseMs: 10,
            maxAttempts: 8,
          }),
      )
      for (const sender of senders) sender.start()
      try {
        const messages = await waitFor(`all ${MESSAGES} messages to be sent`, async () => {
          const page = await stores.b.forTenant(tenant).transaction((tx) => tx.outbox.list({ limit: 1000 }))
          return page.items.length === MESSAGES && page.items.every((m) => m.state === 'sent') && page.items
        })
        const arrived = sink.arrivals.map((a) => a.headers.get('message-id'))
        assert.equal(arrived.length, MESSAGES, 'no message arrived twice')
        assert.deepEqual(new Set(arrived), new Set(messages.map((m) => `<${m.id}@example.test>`)))
        assert.ok(messages.every((m) => m.attempts === 1))
        assert.equal(logs[0]!.sent + logs[1]!.sent, MESSAGES)
        assert.ok(logs[0]!.sent > 0 && logs[1]!.sent > 0, `both sent some: ${logs[0]!.sent} and ${logs[1]!.sent}`)
      } finally {
        await Promise.all(senders.map((s) => s.stop()))
      }
    })
  })
}
