/**
 * The email settings, the retry schedule, and one message to a real SMTP server in process:
 * exactly what arrives, and what each kind of answer means for the outbox.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ConfigError } from '../../src/http/config.js'
import { backgroundConfigFromEnv } from '../../src/provisioning/background.js'
import { defaultFrom, emailConfigFromEnv, MAX_TIMER_MS } from '../../src/provisioning/email/config.js'
import { LEASE_MS, RETRY_CAP_MS, retryDelay } from '../../src/provisioning/email/sender.js'
import {
  CONNECTION_TIMEOUT_MS,
  GREETING_TIMEOUT_MS,
  parseSmtpUrl,
  SEND_DEADLINE_MS,
  singleAddress,
  SmtpMailer,
  SOCKET_TIMEOUT_MS,
  type OutgoingMail,
} from '../../src/provisioning/email/smtp.js'
import { SmtpSink, waitFor } from './smtp-sink.js'

describe('ROSTER_SMTP_URL', () => {
  test('smtp:// and smtps://, the credentials percent-decoded, the password hidden from display', () => {
    const plain = parseSmtpUrl('smtp://mail.example.com')
    assert.deepEqual(
      { host: plain.host, port: plain.port, secure: plain.secure, user: plain.user, password: plain.password, options: plain.options },
      { host: 'mail.example.com', port: undefined, secure: false, user: undefined, password: undefined, options: {} },
    )
    const query = 'requireTLS=true&tls.servername=relay.example.com&authMethod=login'
    const secure = parseSmtpUrl(`smtps://roster%40example.com:p%40ss%3Aw%2Frd@mail.example.com:2465?${query}`)
    assert.equal(secure.secure, true)
    assert.equal(secure.port, 2465)
    assert.equal(secure.user, 'roster@example.com')
    assert.equal(secure.password, 'p@ss:w/rd')
    assert.deepEqual(secure.options, { requireTLS: true, tls: { servername: 'relay.example.com' }, authMethod: 'LOGIN' })
    assert.equal(secure.display, `smtps://roster%40example.com:***@mail.example.com:2465?${query}`)
    assert.equal(parseSmtpUrl('smtp://[::1]:25/').host, '::1')
  })

  test('anything else is refused with why, and never with the password', () => {
    const cases: [string, RegExp][] = [
      ['http://u:hunter2@mail.example.com', /the scheme must be smtp:\/\/ or smtps:\/\/, not http:\/\//],
      ['smtp://u:hunter2@', /does not parse as a URL|names no host/],
      ['mail.example.com:25', /the scheme must be/],
      ['smtp://u:hunter2@mail.example.com/inbox', /must not have a path/],
      ['smtp://u:hunter2@mail.example.com#x', /must not have a fragment/],
      ['smtp://u@mail.example.com', /a user name but no password/],
      ['smtp://:hunter2@mail.example.com', /a password but no user name/],
      ['smtp://u:hunter2@mail.example.com?socketTimeout=1', /'socketTimeout' is not a parameter Roster passes on; it takes requireTLS, ignoreTLS/],
      ['smtp://u:hunter2@mail.example.com?requireTLS=yes', /requireTLS must be true or false, got 'yes'/],
      ['smtp://u:hunter2@mail.example.com?authMethod=XOAUTH2', /authMethod must be PLAIN, LOGIN or CRAM-MD5/],
      ['smtp://u:hunter2%zz@mail.example.com', /not valid percent-encoding/],
    ]
    for (const [url, why] of cases) {
      assert.throws(
        () => parseSmtpUrl(url),
        (e: Error) => e instanceof ConfigError && why.test(e.message) && !e.message.includes('hunter2'),
        url,
      )
    }
  })
})

test('singleAddress: one mailbox, with or without a display name; lists, groups and line breaks are not one', () => {
  assert.equal(singleAddress('a@example.com'), 'a@example.com')
  assert.equal(singleAddress('Roster <roster@example.com>'), 'roster@example.com')
  assert.equal(singleAddress('"Roster, Inc." <roster@example.com>'), 'roster@example.com')
  const lists = ['a@example.com, b@example.com', 'a@example.com\r\nBcc: b@example.com', 'team: a@example.com, b@example.com;']
  for (const bad of ['', 'roster', '@example.com', 'a@', ...lists]) {
    assert.equal(singleAddress(bad), undefined, JSON.stringify(bad))
  }
})

describe('email settings', () => {
  test('defaults: no SMTP, poll every second, retries from 30 s, 8 attempts; drift repair daily', () => {
    const config = backgroundConfigFromEnv({}, undefined)
    assert.equal(config.email.smtp, undefined)
    assert.deepEqual(
      { pollMs: config.email.pollMs, retryBaseMs: config.email.retryBaseMs, maxAttempts: config.email.maxAttempts },
      { pollMs: 1000, retryBaseMs: 30_000, maxAttempts: 8 },
    )
    assert.equal(config.reconcileIntervalMs, 86_400_000)
  })

  test('the From default: the SMTP user when it is an address, else noreply at the public host, else at this machine', () => {
    assert.equal(defaultFrom(parseSmtpUrl('smtp://roster%40example.com:pw@mail.example.com'), 'https://scim.example.org'), 'Roster <roster@example.com>')
    assert.equal(defaultFrom(parseSmtpUrl('smtp://apikey:pw@mail.example.com'), 'https://scim.example.org/roster'), 'Roster <noreply@scim.example.org>')
    assert.equal(defaultFrom(undefined, undefined, 'web01.example.net'), 'Roster <noreply@web01.example.net>')
    assert.equal(emailConfigFromEnv({ ROSTER_SMTP_FROM: ' Acme IT <it@acme.example> ' }, undefined).from, 'Acme IT <it@acme.example>')
  })

  test('values it cannot use are refused, naming the variable', () => {
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ ROSTER_SMTP_FROM: 'a@example.com, b@example.com' }, /^ROSTER_SMTP_FROM must be one email address/],
      [{ ROSTER_SMTP_FROM: 'nobody' }, /^ROSTER_SMTP_FROM must be one email address/],
      [{ ROSTER_OUTBOX_POLL_MS: '0' }, /^ROSTER_OUTBOX_POLL_MS must be a whole number of at least 1, got '0'$/],
      [{ ROSTER_OUTBOX_RETRY_BASE_MS: '1.5' }, /^ROSTER_OUTBOX_RETRY_BASE_MS must be a whole number/],
      [{ ROSTER_OUTBOX_MAX_ATTEMPTS: 'eight' }, /^ROSTER_OUTBOX_MAX_ATTEMPTS must be a whole number/],
      [{ ROSTER_OUTBOX_MAX_ATTEMPTS: '100000' }, /^ROSTER_OUTBOX_MAX_ATTEMPTS must be at most 1000/],
      // Node fires a longer timer at once: a daily job would run in a busy loop.
      [{ ROSTER_RECONCILE_INTERVAL_MS: String(MAX_TIMER_MS + 1) }, new RegExp(`^ROSTER_RECONCILE_INTERVAL_MS must be at most ${MAX_TIMER_MS}`)],
      [{ ROSTER_SMTP_URL: 'smtp://mail.example.com?pool=true' }, /^ROSTER_SMTP_URL: 'pool' is not a parameter/],
    ]
    for (const [env, why] of cases) {
      assert.throws(() => backgroundConfigFromEnv(env, undefined), (e: Error) => e instanceof ConfigError && why.test(e.message), JSON.stringify(env))
    }
  })
})

describe('the retry schedule', () => {
  test('full jitter: anywhere from 0 up to base · 2^(attempts-1)', () => {
    assert.equal(retryDelay(1, 30_000, () => 0), 0)
    assert.equal(retryDelay(1, 30_000, () => 0.5), 15_000)
    assert.equal(retryDelay(2, 30_000, () => 0.5), 30_000)
    assert.equal(retryDelay(3, 30_000, () => 0.5), 60_000)
    assert.ok(retryDelay(3, 30_000, () => 0.999_999) < 120_000)
  })

  test('capped at an hour, however many attempts', () => {
    assert.equal(retryDelay(8, 30_000, () => 0.5), 1_800_000)
    assert.equal(retryDelay(9, 30_000, () => 0.5), RETRY_CAP_MS / 2)
    assert.equal(retryDelay(1000, 30_000, () => 0.5), RETRY_CAP_MS / 2)
  })

  test('a lease outlasts the longest delivery, which outlasts the SMTP timeouts', () => {
    assert.ok(LEASE_MS > SEND_DEADLINE_MS)
    assert.ok(SEND_DEADLINE_MS > CONNECTION_TIMEOUT_MS + GREETING_TIMEOUT_MS + SOCKET_TIMEOUT_MS)
  })
})

describe('SmtpMailer against an SMTP server', () => {
  const credentials = { user: 'roster@example.test', password: 'p@ss:w/rd+%' }
  const mail: OutgoingMail = {
    from: 'Roster Test <roster@example.test>',
    to: 'zoe@example.com',
    subject: 'Willkommen, Zoë ✓',
    text: 'Hello Zoë,\n\nyour account is ready.\n',
    html: '<p>Hello Zo&euml;,</p>\n<p>your account is <strong>ready</strong>.</p>\n',
    id: '0b7d7f3e-5f1e-4d55-9a57-3c1f3ae0c001',
  }
  let sink: SmtpSink
  let mailer: SmtpMailer
  const signal = () => new AbortController().signal
  before(async () => {
    // The server echoes the password it was sent, raw and in base64, when it refuses a login.
    sink = await SmtpSink.start({
      auth: credentials,
      authFailure: (password) => ({ code: 535, text: `no such login: ${password} ${Buffer.from(password).toString('base64')}` }),
    })
    mailer = new SmtpMailer(parseSmtpUrl(sink.url(credentials)))
  })
  after(() => sink.close())

  test('accepted: one message, as composed, from/to in the envelope and the headers, text and html alternatives', async () => {
    const before = sink.arrivals.length
    const delivery = await mailer.send(mail, signal())
    assert.deepEqual(delivery, { outcome: 'sent', reply: '250 queued' })
    assert.equal(sink.arrivals.length, before + 1)
    const got = sink.arrivals.at(-1)!
    assert.equal(got.user, credentials.user)
    assert.equal(got.mailFrom, 'roster@example.test')
    assert.deepEqual(got.rcptTo, ['zoe@example.com'])
    assert.equal(got.headers.get('from'), 'Roster Test <roster@example.test>')
    assert.equal(got.headers.get('to'), 'zoe@example.com')
    assert.equal(got.headers.get('subject'), 'Willkommen, Zoë ✓')
    assert.equal(got.headers.get('message-id'), `<${mail.id}@example.test>`)
    assert.match(got.contentType, /^multipart\/alternative;/)
    assert.equal(got.text, mail.text)
    assert.equal(got.html, mail.html)
  })

  test('a wrong password is a fault of the settings, retried, and the stored error never holds the password', async () => {
    const wrong = { user: credentials.user, password: 'Tr0ub4dor&3' }
    const delivery = await new SmtpMailer(parseSmtpUrl(sink.url(wrong))).send(mail, signal())
    assert.equal(delivery.outcome, 'deferred')
    assert.ok(delivery.outcome === 'deferred' && delivery.settings)
    const error = (delivery as { error: string }).error
    assert.equal(error, "the mail server refused Roster's login (AUTH PLAIN): 535 no such login: *** ***; check the user name and password in ROSTER_SMTP_URL")
    for (const form of [wrong.password, encodeURIComponent(wrong.password), Buffer.from(wrong.password).toString('base64')]) {
      assert.ok(!error.includes(form), form)
    }
  })

  test('a permanent refusal of the recipient: refused, with the reply', async () => {
    sink.onRecipient = (address) => (address === 'gone@example.com' ? { code: 550, text: '5.1.1 <gone@example.com>: no such user' } : undefined)
    try {
      const delivery = await mailer.send({ ...mail, to: 'gone@example.com' }, signal())
      assert.deepEqual(delivery, { outcome: 'refused', error: 'refused by the mail server (RCPT TO): 550 5.1.1 <gone@example.com>: no such user' })
    } finally {
      sink.onRecipient = () => undefined
    }
  })

  test('a deferral of the message (4xx) is transient', async () => {
    sink.onMessage = () => ({ code: 451, text: '4.3.0 mailbox busy, try later' })
    try {
      const delivery = await mailer.send(mail, signal())
      assert.deepEqual(delivery, { outcome: 'deferred', error: 'deferred by the mail server (DATA): 451 4.3.0 mailbox busy, try later', settings: false })
    } finally {
      sink.onMessage = () => undefined
    }
  })

  test('a permanent refusal of the sender is a fault of the settings: retried, not failed', async () => {
    sink.onSender = () => ({ code: 553, text: '5.7.1 sender address not allowed' })
    try {
      const delivery = await mailer.send(mail, signal())
      assert.deepEqual(delivery, {
        outcome: 'deferred',
        error: 'the mail server refused the sender (MAIL FROM): 553 5.7.1 sender address not allowed; check ROSTER_SMTP_FROM',
        settings: true,
      })
    } finally {
      sink.onSender = () => undefined
    }
  })

  test('a recipient that is not one address is refused before anything is sent', async () => {
    const before = sink.arrivals.length
    for (const to of ['a@example.com, b@example.com', 'Mallory <a@example.com>', 'not-an-address']) {
      const delivery = await mailer.send({ ...mail, to }, signal())
      assert.deepEqual(delivery, { outcome: 'refused', error: `'${to}' is not one email address; nothing was sent` })
    }
    assert.equal(sink.arrivals.length, before)
  })

  test('no server: transient, naming where it tried', async () => {
    const gone = await SmtpSink.start()
    const url = gone.url()
    await gone.close()
    const delivery = await new SmtpMailer(parseSmtpUrl(url)).send(mail, signal())
    assert.equal(delivery.outcome, 'deferred')
    assert.match((delivery as { error: string }).error, new RegExp(`^could not deliver to the mail server at 127\\.0\\.0\\.1:${gone.port}: .*ECONNREFUSED`))
  })

  test('a delivery past its deadline is abandoned, as transient', async () => {
    sink.holdUntil = 2
    const controller = new AbortController()
    const sending = mailer.send(mail, controller.signal)
    await waitFor('the message to be held', () => sink.held === 1)
    controller.abort()
    const delivery = await sending
    assert.equal(delivery.outcome, 'deferred')
    assert.match((delivery as { error: string }).error, /^the delivery was abandoned after 120 s; the mail server at 127\.0\.0\.1:\d+ was too slow$/)
    sink.holdUntil = 0
  })
})
