/**
 * One message to the mail server over SMTP (nodemailer), and what its answer means for the
 * outbox: sent, refused for good, or worth another try. Nothing that leaves this module (an
 * error to store, a URL to log) holds the SMTP password.
 */
import nodemailer from 'nodemailer'
import addressparser from 'nodemailer/lib/addressparser'
import type { NodemailerError, SMTPTransportOptions, Transporter } from 'nodemailer'
import { ConfigError } from '../../http/config.js'

/** Connecting, DNS included. */
export const CONNECTION_TIMEOUT_MS = 10_000
/** From connected to the server's greeting. */
export const GREETING_TIMEOUT_MS = 10_000
/** Silence from the server in the middle of the conversation. */
export const SOCKET_TIMEOUT_MS = 30_000
/**
 * A whole delivery, abandoned after this long: the timeouts above bound each wait, this bounds
 * a server that answers, slowly, for ever. The outbox lease is longer (sender.ts).
 */
export const SEND_DEADLINE_MS = 120_000
/** Stored errors are for people; a server's multi-line essay is cut here. */
const MAX_ERROR_LENGTH = 1000

/** ROSTER_SMTP_URL, understood. */
export interface SmtpSettings {
  readonly host: string
  /** Undefined: 465 for smtps://, else 587 (nodemailer's defaults, the submission ports). */
  readonly port: number | undefined
  /** smtps://: TLS from the first byte. smtp://: STARTTLS whenever the server offers it. */
  readonly secure: boolean
  readonly user: string | undefined
  readonly password: string | undefined
  /** The URL with the password replaced by `***`, to log and show. */
  readonly display: string
  /** The query parameters Roster passes on to nodemailer (QUERY_OPTIONS). */
  readonly options: Readonly<{
    requireTLS?: boolean
    ignoreTLS?: boolean
    name?: string
    authMethod?: string
    tls?: { rejectUnauthorized?: boolean; servername?: string }
  }>
}

const flag = (key: string, value: string): boolean => {
  if (value === 'true') return true
  if (value === 'false') return false
  throw new ConfigError(`ROSTER_SMTP_URL: the parameter ${key} must be true or false, got '${value}'`)
}

/**
 * The query parameters ROSTER_SMTP_URL may carry. A fixed list: a misspelt one is refused at
 * start rather than ignored, and the timeouts, which the lease depends on, cannot be changed.
 */
const QUERY_OPTIONS: Readonly<Record<string, (options: Record<string, unknown>, value: string) => void>> = {
  requireTLS: (o, v) => void (o.requireTLS = flag('requireTLS', v)),
  ignoreTLS: (o, v) => void (o.ignoreTLS = flag('ignoreTLS', v)),
  name: (o, v) => void (o.name = v),
  authMethod: (o, v) => {
    const method = v.toUpperCase()
    if (!['PLAIN', 'LOGIN', 'CRAM-MD5'].includes(method)) {
      throw new ConfigError(`ROSTER_SMTP_URL: the parameter authMethod must be PLAIN, LOGIN or CRAM-MD5, got '${v}'`)
    }
    o.authMethod = method
  },
  'tls.rejectUnauthorized': (o, v) => void (o.tls = { ...(o.tls as object), rejectUnauthorized: flag('tls.rejectUnauthorized', v) }),
  'tls.servername': (o, v) => void (o.tls = { ...(o.tls as object), servername: v }),
}

/** The URL with its password hidden; one that does not parse is shown by its scheme only. */
export function redactSmtpUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]
    return scheme ? `${scheme}://…` : '…'
  }
  if (url.password !== '') url.password = '***'
  return url.href
}

export function parseSmtpUrl(value: string): SmtpSettings {
  const shown = redactSmtpUrl(value)
  const refuse = (why: string) =>
    new ConfigError(`ROSTER_SMTP_URL must be an smtp:// or smtps:// URL such as smtps://user:password@smtp.example.com (${why}), got '${shown}'`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refuse('it does not parse as a URL')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw refuse(`the scheme must be smtp:// or smtps://, not ${url.protocol}//`)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === '') throw refuse('it names no host')
  if (url.pathname !== '' && url.pathname !== '/') throw refuse('it must not have a path')
  if (url.hash !== '') throw refuse('it must not have a fragment')
  let user: string | undefined
  let password: string | undefined
  try {
    user = url.username === '' ? undefined : decodeURIComponent(url.username)
    password = url.password === '' ? undefined : decodeURIComponent(url.password)
  } catch {
    throw refuse('its user name or password is not valid percent-encoding')
  }
  if (user !== undefined && password === undefined) throw refuse('it has a user name but no password')
  if (user === undefined && password !== undefined) throw refuse('it has a password but no user name')
  const options: Record<string, unknown> = {}
  for (const [key, v] of url.searchParams) {
    const apply = QUERY_OPTIONS[key]
    if (!apply) {
      throw new ConfigError(`ROSTER_SMTP_URL: '${key}' is not a parameter Roster passes on; it takes ${Object.keys(QUERY_OPTIONS).join(', ')}`)
    }
    apply(options, v)
  }
  return {
    host,
    port: url.port === '' ? undefined : Number(url.port),
    secure: url.protocol === 'smtps:',
    user,
    password,
    display: shown,
    options,
  }
}

/** The one mailbox address `value` holds (`a@example.com`, `Name <a@example.com>`), else undefined. */
export function singleAddress(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return undefined
  const parsed = addressparser(value)
  if (parsed.length !== 1) return undefined
  const address = parsed[0]!.address
  if (address === undefined || !/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(address)) return undefined
  return address
}

export interface OutgoingMail {
  readonly from: string
  /** One address, as the outbox holds it. */
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
  /** The outbox message's id: a retry carries the same Message-ID, so a duplicate can be recognised. */
  readonly id: string
}

/** What became of one delivery. `error` is for people, stored with the message; it never holds the password. */
export type Delivery =
  | { readonly outcome: 'sent'; readonly reply: string }
  /** A permanent reply to this message (its recipient, its content): another try would get it too. */
  | { readonly outcome: 'refused'; readonly error: string }
  /** Anything else: a 4xx reply, no connection, a timeout, or a fault of Roster's own settings. */
  | { readonly outcome: 'deferred'; readonly error: string; readonly settings: boolean }

/** The commands whose permanent refusal concerns the message rather than the sender's settings. */
const MESSAGE_COMMANDS = new Set(['RCPT TO', 'DATA'])

const WAITS: Readonly<Record<string, string>> = {
  CONNECT_TIMEOUT: 'while connecting',
  GREETING_TIMEOUT: 'with its greeting',
  UPGRADE_TIMEOUT: 'to STARTTLS',
  SOCKET_TIMEOUT: 'in the middle of the conversation',
}

/** Mail over one SMTP server; a connection per message, closed after it. */
export class SmtpMailer {
  readonly #transport: Transporter
  readonly #settings: SmtpSettings
  /** Every form the password takes on the wire or in a URL, longest first. */
  readonly #secrets: string[]

  constructor(settings: SmtpSettings) {
    this.#settings = settings
    const options: SMTPTransportOptions = {
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...settings.options,
      ...(settings.user !== undefined && { auth: { user: settings.user, pass: settings.password ?? '' } }),
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      // nodemailer's own logging is off: Roster logs outcomes, and a debug log would carry the AUTH exchange.
      logger: false,
    }
    this.#transport = nodemailer.createTransport(options)
    const password = settings.password
    this.#secrets =
      password === undefined || password === ''
        ? []
        : [
            password,
            encodeURIComponent(password),
            Buffer.from(password).toString('base64'),
            Buffer.from(`\u0000${settings.user ?? ''}\u0000${password}`).toString('base64'),
          ].sort((a, b) => b.length - a.length)
  }

  async send(mail: OutgoingMail, signal: AbortSignal): Promise<Delivery> {
    const to = singleAddress(mail.to)
    if (to === undefined || to !== mail.to.trim()) {
      return { outcome: 'refused', error: this.#clean(`'${mail.to}' is not one email address; nothing was sent`) }
    }
    const domain = singleAddress(mail.from)?.split('@')[1] ?? 'roster'
    try {
      const info = await this.#transport.sendMail({
        from: mail.from,
        to: { name: '', address: to },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${mail.id}@${domain}>`,
        signal,
      })
      return { outcome: 'sent', reply: this.#clean(String((info as { response?: unknown }).response ?? '')) }
    } catch (e) {
      return this.#failure(e as NodemailerError)
    }
  }

  close(): void {
    this.#transport.close()
  }

  #failure(err: NodemailerError): Delivery {
    const command = err.command ?? ''
    const reply = err.response
    if (err.responseCode !== undefined && reply !== undefined) {
      const permanent = err.permanent ?? (err.responseCode >= 500 && err.responseCode !== 503)
      if (command.startsWith('AUTH')) {
        return this.#deferred(`the mail server refused Roster's login (${command}): ${reply}; check the user name and password in ROSTER_SMTP_URL`, true)
      }
      if (permanent && command === 'MAIL FROM') {
        return this.#deferred(`the mail server refused the sender (MAIL FROM): ${reply}; check ROSTER_SMTP_FROM`, true)
      }
      if (permanent && MESSAGE_COMMANDS.has(command)) return { outcome: 'refused', error: this.#clean(`refused by the mail server (${command}): ${reply}`) }
      return this.#deferred(`${permanent ? 'refused' : 'deferred'} by the mail server (${command || 'SMTP'}): ${reply}`, permanent)
    }
    const where = `${this.#settings.host}:${this.#settings.port ?? (this.#settings.secure ? 465 : 587)}`
    switch (err.code) {
      case 'EENVELOPE':
        return { outcome: 'refused', error: this.#clean(`the message has no address the mail server can take: ${err.message}`) }
      case 'ETIMEDOUT':
        return this.#deferred(`the mail server at ${where} did not answer in time ${WAITS[err.timeoutType ?? ''] ?? ''}`.trimEnd(), false)
      case 'EABORT':
        return this.#deferred(`the delivery was abandoned after ${SEND_DEADLINE_MS / 1000} s; the mail server at ${where} was too slow`, false)
      case 'EAUTH':
      case 'ENOAUTH':
        return this.#deferred(`could not log in to the mail server at ${where}: ${err.message}; check ROSTER_SMTP_URL`, true)
      case 'ETLS':
        return this.#deferred(`TLS with the mail server at ${where} failed: ${err.message}`, true)
      default:
        return this.#deferred(`could not deliver to the mail server at ${where}: ${err.message}`, false)
    }
  }

  #deferred(error: string, settings: boolean): Delivery {
    return { outcome: 'deferred', error: this.#clean(error), settings }
  }

  /** One line, bounded, and never the password, whatever a server chose to echo. */
  #clean(text: string): string {
    let out = text.replace(/\s*[\r\n]+\s*/g, ' ')
    for (const secret of this.#secrets) out = out.split(secret).join('***')
    return out.length > MAX_ERROR_LENGTH ? `${out.slice(0, MAX_ERROR_LENGTH - 1)}…` : out
  }
}
