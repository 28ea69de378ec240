/**
 * The outbox delivered to a real SMTP server in process, on SQLite and PostgreSQL: SCIM writes
 * queue the mail (lifecycle.ts), the sender delivers it, and each outcome is recorded on the
 * message: sent, failed with the server's reply, or pending again with a backoff.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { hashSecret } from '../../src/provisioning/accounts/lifecycle.js'
import { OutboxSender, type Log, type SenderOptions } from '../../src/provisioning/email/sender.js'
import { parseSmtpUrl, SmtpMailer } from '../../src/provisioning/email/smtp.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import type { Tenant } from '../../src/store/contract.js'
import type { OutboxMessage } from '../../src/store/records/invitation.js'
import { startHarness, STORES, USER_SCHEMA, type Harness } from '../helpers/harness.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { SmtpSink, waitFor, type Arrival } from './smtp-sink.js'

const FROM = 'Roster Test <roster@example.test>'
const MAY_OR_MAY_NOT = 'the sender stopped while delivering it; it may or may not have been sent, retry to send it again'

/** Log lines, kept to look at; nothing is printed. */
function recordingLog(): Log & { lines: { level: string; fields: object; message: string }[] } {
  const lines: { level: string; fields: object; message: string }[] = []
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields, message })
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

for (const { name, open } of STORES) {
  describe(`outbox delivery [${name}]`, () => {
    let h: Harness
    let sink: SmtpSink
    let enterprise: Tenant
    let enterpriseToken: string
    const log = recordingLog()
    const running = new Set<OutboxSender>()

    before(async () => {
      h = await startHarness(open)
      sink = await SmtpSink.start()
      enterprise = await createTenant(h.store, 'enterprise', 'globex')
      enterpriseToken = (await issueToken(h.store, enterprise)).token
    })
    after(async () => {
      await Promise.all([...running].map((s) => s.stop()))
      await h.close()
      await sink.close()
    })

    /** A sender on the harness's store; small poll and backoff, so that nothing waits long. */
    const startSender = (options: Partial<SenderOptions> & { url?: string } = {}) => {
      const sender = new OutboxSender(h.store, new SmtpMailer(parseSmtpUrl(options.url ?? sink.url())), log, {
        from: FROM,
        pollMs: 20,
        retryBaseMs: 10,
        maxAttempts: 8,
        ...options,
      })
      sender.start()
      running.add(sender)
      return {
        sender,
        stop: async () => {
          running.delete(sender)
          await sender.stop()
        },
      }
    }

    const createUser = async (tenant: Tenant, token: string, body: Record<string, unknown>): Promise<string> => {
      const kind = tenant.kind === 'enterprise' ? 'enterprises' : 'organizations'
      const res = await h.raw({
        method: 'POST',
        url: `/scim/v2/${kind}/${tenant.slug}/Users`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify({ schemas: [USER_SCHEMA], ...body }),
      })
      assert.equal(res.status, 201, res.text)
      return res.body.id as string
    }

    const outbox = async (tenant: Tenant): Promise<OutboxMessage[]> =>
      (await h.store.forTenant(tenant).transaction((tx) => tx.outbox.list({ limit: 1000 }))).items
    const messageTo = async (tenant: Tenant, recipient: string): Promise<OutboxMessage> => {
      const found = (await outbox(tenant)).filter((m) => m.recipient === recipient)
      assert.equal(found.length, 1, `one message to ${recipient}`)
      return found[0]!
    }
    const settled = (tenant: Tenant, recipient: string, state: OutboxMessage['state']) =>
      waitFor(`the message to ${recipient} to be ${state}`, async () => {
        const m = await messageTo(tenant, recipient)
        return m.state === state && m
      })
    const arrivalsTo = (recipient: string): Arrival[] => sink.arrivals.filter((a) => a.rcptTo.includes(recipient))
    /** The events written about a message (on PostgreSQL once the sequencer has numbered them). */
    const eventsOf = async (messageId: string) => {
      await h.store.sequenceEvents()
      const events = await h.store.forTenant(enterprise).transaction((tx) => tx.events.list(0, 100_000))
      return events.filter((e) => e.resourceId === messageId).map((e) => ({ type: e.type, data: e.data }))
    }
    const details = (m: OutboxMessage) => ({ template: m.template, recipient: m.recipient, accountId: m.accountId, invitationId: m.invitationId, attempts: m.attempts })

    test('a user created on an enterprise gets exactly one welcome mail: from, to, subject, text and html', async () => {
      const { sender, stop } = startSender()
      try {
        const id = await createUser(enterprise, enterpriseToken, {
          userName: 'zoe.angstrom@globex.example',
          name: { givenName: 'Zoë', familyName: 'Ångström' },
          emails: [{ value: 'zoe@globex.example', primary: true }],
        })
        sender.nudge()
        const message = await settled(enterprise, 'zoe@globex.example', 'sent')
        const account = await h.store.forTenant(enterprise).transaction((tx) => tx.accounts.byScimUser(id))
        const login = account!.login!
        assert.match(login, /^zoe-angstrom_[a-z0-9]+$/)

        const [mail, ...more] = arrivalsTo('zoe@globex.example')
        assert.equal(more.length, 0, 'exactly one mail')
        assert.equal(mail!.mailFrom, 'roster@example.test')
        assert.deepEqual(mail!.rcptTo, ['zoe@globex.example'])
        assert.equal(mail!.headers.get('from'), FROM)
        assert.equal(mail!.headers.get('to'), 'zoe@globex.example')
        assert.equal(mail!.headers.get('subject'), 'Your globex account is ready')
        assert.equal(mail!.headers.get('message-id'), `<${message.id}@example.test>`)
        assert.match(mail!.contentType, /^multipart\/alternative;/)
        assert.equal(mail!.text, `Hello Zoë Ångström,\n\nyour account ${login} for globex has been created by your organization.\n`)
        assert.equal(
          mail!.html,
          `<p>Hello Zoë Ångström,</p>\n<p>your account <strong>${login}</strong> for globex has been created by your organization.</p>\n`,
        )
        assert.equal(message.template, 'welcome')
        assert.equal(message.attempts, 1)
        assert.equal(message.lastError, null)
        assert.ok(message.sentAt)
        assert.equal(message.accountId, account!.id)
        assert.deepEqual(await eventsOf(message.id), [{ type: 'email.sent', data: details(message) }], 'one event, when it was sent')
      } finally {
        await stop()
      }
    })

    test('an identity created on an organization gets the invitation mail, with a code that is its invitation', async () => {
      const { sender, stop } = startSender()
      try {
        await createUser(h.tenant, h.token, {
          userName: 'bob@acme.example',
          displayName: 'Bob Jones',
          emails: [{ value: 'bob@acme.example', primary: true }],
        })
        sender.nudge()
        const message = await settled(h.tenant, 'bob@acme.example', 'sent')
        const [mail, ...more] = arrivalsTo('bob@acme.example')
        assert.equal(more.length, 0, 'exactly one mail')
        assert.equal(mail!.headers.get('subject'), "You're invited to join acme")
        const invited = /^Hello Bob Jones,\n\nyou have been invited to join acme\.\n/
        const m = new RegExp(`${invited.source}Your invitation code is (roster_inv_[A-Za-z0-9_-]+); it can be used until (\\S+)\\.\\n$`).exec(mail!.text ?? '')
        assert.ok(m, mail!.text)
        const [, code, until] = m
        assert.equal(
          mail!.html,
          '<p>Hello Bob Jones,</p>\n<p>you have been invited to join acme.</p>\n' +
            `<p>Your invitation code is <code>${code}</code>; it can be used until ${until}.</p>\n`,
        )
        const invitation = await h.store.forTenant(h.tenant).transaction((tx) => tx.invitations.get(message.invitationId!))
        assert.equal(invitation?.hash, hashSecret(code!), 'the code in the mail is the invitation')
        assert.equal(invitation?.expiresAt, until)
      } finally {
        await stop()
      }
    })

    test("a tenant's own template is the one sent, its values escaped in the HTML only", async () => {
      const initech = await createTenant(h.store, 'enterprise', 'initech')
      const { token } = await issueToken(h.store, initech)
      await h.store.forTenant(initech).transaction((tx) =>
        tx.outbox.putTemplate(
          {
            name: 'welcome',
            subject: 'Willkommen bei {{tenant}}, {{displayName}} ✓',
            text: 'Hallo {{displayName}},\ndein Login ist {{login}} ({{email}}).\n',
            html: '<h1>Hallo {{displayName}}</h1>\n<p>Login: {{login}}</p>\n',
          },
          new Date().toISOString(),
        ),
      )
      const { sender, stop } = startSender()
      try {
        const id = await createUser(initech, token, {
          userName: 'ada@initech.example',
          displayName: 'Ada <Admin> & "Co"',
          emails: [{ value: 'ada@initech.example', primary: true }],
        })
        sender.nudge()
        await settled(initech, 'ada@initech.example', 'sent')
        const login = (await h.store.forTenant(initech).transaction((tx) => tx.accounts.byScimUser(id)))!.login!
        const [mail, ...more] = arrivalsTo('ada@initech.example')
        assert.equal(more.length, 0)
        assert.equal(mail!.headers.get('subject'), 'Willkommen bei initech, Ada <Admin> & "Co" ✓')
        assert.equal(mail!.text, `Hallo Ada <Admin> & "Co",\ndein Login ist ${login} (ada@initech.example).\n`)
        assert.equal(mail!.html, `<h1>Hallo Ada &lt;Admin&gt; &amp; &quot;Co&quot;</h1>\n<p>Login: ${login}</p>\n`)
      } finally {
        await stop()
      }
    })

    test('deferred once (451), then accepted: sent on the second attempt, once', async () => {
      let deferred = 0
      const greylisted = { code: 451, text: '4.3.0 greylisted, try again' }
      sink.onMessage = (arrival) => (arrival.rcptTo.includes('carol@globex.example') && deferred++ === 0 ? greylisted : undefined)
      const { sender, stop } = startSender()
      try {
        await createUser(enterprise, enterpriseToken, { userName: 'carol', emails: [{ value: 'carol@globex.example' }] })
        sender.nudge()
        const message = await settled(enterprise, 'carol@globex.example', 'sent')
        assert.equal(message.attempts, 2)
        assert.equal(deferred, 2, 'the server saw it twice: deferred, then accepted')
        assert.equal(arrivalsTo('carol@globex.example').length, 1)
        assert.equal(message.lastError, null)
        const reason = 'deferred by the mail server (DATA): 451 4.3.0 greylisted, try again'
        assert.ok(log.lines.some((l) => l.level === 'warn' && (l.fields as { error?: string }).error === reason))
      } finally {
        sink.onMessage = () => undefined
        await stop()
      }
    })

    test('refused for good (550): failed at the first attempt, with the reply kept', async () => {
      sink.onRecipient = (address) => (address === 'dave@globex.example' ? { code: 550, text: '5.1.1 <dave@globex.example>: mailbox unavailable' } : undefined)
      const { sender, stop } = startSender()
      try {
        await createUser(enterprise, enterpriseToken, { userName: 'dave', emails: [{ value: 'dave@globex.example' }] })
        sender.nudge()
        const message = await settled(enterprise, 'dave@globex.example', 'failed')
        assert.equal(message.attempts, 1)
        assert.equal(message.lastError, 'refused by the mail server (RCPT TO): 550 5.1.1 <dave@globex.example>: mailbox unavailable')
        assert.equal(arrivalsTo('dave@globex.example').length, 0)
        assert.deepEqual(await eventsOf(message.id), [{ type: 'email.failed', data: { ...details(message), error: message.lastError } }])
      } finally {
        sink.onRecipient = () => undefined
        await stop()
      }
    })

    test('no mail server: pending, each retry after a doubling backoff; delivered once the server is up', async () => {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: sink.port })
      proxy.cut()
      // A clock the test moves: each attempt happens when the test makes it due, and the
      // schedule can be checked to the millisecond. Jitter fixed at half the ceiling.
      let now = Date.now() + 60_000
      const base = 1000
      const { sender, stop } = startSender({ url: `smtp://127.0.0.1:${proxy.port}`, retryBaseMs: base, now: () => now, random: () => 0.5 })
      try {
        await createUser(enterprise, enterpriseToken, { userName: 'erin', emails: [{ value: 'erin@globex.example' }] })
        sender.nudge()
        const attempt = (n: number) =>
          waitFor(`attempt ${n}`, async () => {
            const m = await messageTo(enterprise, 'erin@globex.example')
            return m.attempts === n && m.state === 'pending' && m
          })
        const first = await attempt(1)
        assert.equal(first.nextAttemptAt, new Date(now + base / 2).toISOString())
        assert.match(first.lastError ?? '', /^could not deliver to the mail server at 127\.0\.0\.1:\d+: /)

        now += base / 2
        sender.nudge()
        const second = await attempt(2)
        assert.equal(second.nextAttemptAt, new Date(now + base).toISOString(), 'the ceiling doubled')

        proxy.restore()
        now += base
        sender.nudge()
        const sent = await settled(enterprise, 'erin@globex.example', 'sent')
        assert.equal(sent.attempts, 3)
        assert.equal(sent.sentAt, new Date(now).toISOString())
        assert.equal(arrivalsTo('erin@globex.example').length, 1)
      } finally {
        await stop()
        await proxy.close()
      }
    })

    test('after the last attempt a transient failure fails the message, saying so', async () => {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: sink.port })
      proxy.cut()
      const { sender, stop } = startSender({ url: `smtp://127.0.0.1:${proxy.port}`, maxAttempts: 3, random: () => 0 })
      try {
        await createUser(enterprise, enterpriseToken, { userName: 'frank', emails: [{ value: 'frank@globex.example' }] })
        sender.nudge()
        const message = await settled(enterprise, 'frank@globex.example', 'failed')
        assert.equal(message.attempts, 3)
        assert.match(message.lastError ?? '', /^gave up after 3 attempts; the last: could not deliver to the mail server at 127\.0\.0\.1:\d+: /)
      } finally {
        await stop()
        await proxy.close()
      }
    })

    test('a lease that expired (its sender died mid-delivery): failed as maybe sent, never resent by itself; a retry sends it', async () => {
      await createUser(enterprise, enterpriseToken, { userName: 'grace', emails: [{ value: 'grace@globex.example' }] })
      // A sender that claimed it and died: the lease ran out a second ago.
      const claimedAt = Date.now()
      const claimed = await h.store.outboxDelivery.claim(new Date(claimedAt).toISOString(), new Date(claimedAt - 1000).toISOString(), 10)
      assert.deepEqual(
        claimed.map((m) => m.recipient),
        ['grace@globex.example'],
      )
      const { sender, stop } = startSender()
      try {
        const failed = await settled(enterprise, 'grace@globex.example', 'failed')
        assert.equal(failed.lastError, MAY_OR_MAY_NOT)
        assert.equal(arrivalsTo('grace@globex.example').length, 0)
        assert.deepEqual(await eventsOf(failed.id), [{ type: 'email.failed', data: { ...details(failed), error: MAY_OR_MAY_NOT } }])

        const retried = await h.store.forTenant(enterprise).transaction((tx) => tx.outbox.retry(failed.id, new Date().toISOString()))
        assert.equal(retried?.state, 'pending')
        sender.nudge()
        const sent = await settled(enterprise, 'grace@globex.example', 'sent')
        assert.equal(arrivalsTo('grace@globex.example').length, 1)
        assert.deepEqual(
          (await eventsOf(failed.id)).map((e) => e.type),
          ['email.failed', 'email.sent'],
          'each end of a delivery has its event',
        )
        assert.equal(sent.attempts, 1)
      } finally {
        await stop()
      }
    })

    test('an email value that is not one address is failed without sending to any of it', async () => {
      const { sender, stop } = startSender()
      try {
        await createUser(enterprise, enterpriseToken, { userName: 'heidi', emails: [{ value: 'heidi@globex.example, mallory@evil.example' }] })
        sender.nudge()
        const message = await settled(enterprise, 'heidi@globex.example, mallory@evil.example', 'failed')
        assert.equal(message.lastError, "'heidi@globex.example, mallory@evil.example' is not one email address; nothing was sent")
        assert.equal(arrivalsTo('heidi@globex.example').length + arrivalsTo('mallory@evil.example').length, 0)
      } finally {
        await stop()
      }
    })

    test('stopping lets the delivery in flight finish and records it', async () => {
      sink.holdUntil = 1_000
      const { sender, stop } = startSender()
      await createUser(enterprise, enterpriseToken, { userName: 'ivan', emails: [{ value: 'ivan@globex.example' }] })
      sender.nudge()
      await waitFor('the delivery to be in flight', () => sink.held === 1)
      const stopping = stop()
      sink.release()
      await stopping
      const message = await messageTo(enterprise, 'ivan@globex.example')
      assert.equal(message.state, 'sent', 'recorded before stop() resolved')
      assert.equal(arrivalsTo('ivan@globex.example').length, 1)
    })
  })
}
