/**
 * A real SMTP server in the test process (smtp-server) that records exactly what arrives, and
 * answers as a test tells it to: a refusal of a recipient, a deferral of a message, a login
 * that must match, or replies held back until several messages are in flight at once.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server'
import { parseMessage, type ParsedMessage } from './mime.js'

export interface Arrival extends ParsedMessage {
  /** The envelope: MAIL FROM and RCPT TO as the client sent them. */
  readonly mailFrom: string
  readonly rcptTo: readonly string[]
  /** The user the client logged in as, if it did. */
  readonly user: string | undefined
}

/** An SMTP reply for a refusal or deferral: `responseCode` and its text. */
export type Reply = { readonly code: number; readonly text: string }

export interface SinkOptions {
  /** Clients must log in with exactly these (plain text: the sink offers no TLS). */
  readonly auth?: { readonly user: string; readonly password: string }
  /** The reply to a login attempt that fails; by default `535 authentication failed`. */
  readonly authFailure?: (password: string) => Reply
}

const smtpError = (reply: Reply): Error => Object.assign(new Error(reply.text), { responseCode: reply.code })

export class SmtpSink {
  readonly arrivals: Arrival[] = []
  /** Every RCPT TO the sink refused or deferred, and every DATA it deferred or refused. */
  readonly rejections: { readonly stage: 'RCPT TO' | 'DATA'; readonly code: number }[] = []
  /** The reply to MAIL FROM; undefined accepts it. */
  onSender: (address: string) => Reply | undefined = () => undefined
  /** The reply to a recipient; undefined accepts it. */
  onRecipient: (address: string) => Reply | undefined = () => undefined
  /** The reply to a whole message; undefined accepts it. */
  onMessage: (arrival: Arrival) => Reply | undefined = () => undefined
  /** Replies to DATA are held until this many messages wait at once; then all go, and none is held again. */
  holdUntil = 0
  #held: (() => void)[] = []
  readonly #server: SMTPServer
  #port = 0

  private constructor(options: SinkOptions) {
    this.#server = new SMTPServer({
      logger: false,
      // Plain text and no reverse DNS of the client: nothing here depends on the network.
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      authOptional: options.auth === undefined,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        const ok = options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.password
        if (ok) return callback(null, { user: auth.username })
        const reply = options.authFailure?.(auth.password ?? '') ?? { code: 535, text: 'authentication failed' }
        callback(smtpError(reply))
      },
      onMailFrom: (address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) => {
        const reply = this.onSender(address.address)
        callback(reply && smtpError(reply))
      },
      onRcptTo: (address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) => {
        const reply = this.onRecipient(address.address)
        if (reply) this.rejections.push({ stage: 'RCPT TO', code: reply.code })
        callback(reply && smtpError(reply))
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          const envelope = session.envelope
          const arrival: Arrival = {
            ...parseMessage(Buffer.concat(chunks).toString('utf8')),
            mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
            rcptTo: envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
          }
          const answer = () => {
            const reply = this.onMessage(arrival)
            if (reply) {
              this.rejections.push({ stage: 'DATA', code: reply.code })
              return callback(smtpError(reply))
            }
            this.arrivals.push(arrival)
            callback(null, 'queued')
          }
          if (this.holdUntil === 0) return answer()
          this.#held.push(answer)
          if (this.#held.length >= this.holdUntil) this.release()
        })
      },
    })
  }

  /** Listens on 127.0.0.1, on `port` or any free one. */
  static async start(options: SinkOptions = {}, port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink(options)
    await new Promise<void>((resolve, reject) => {
      sink.#server.once('error', reject)
      sink.#server.listen(port, '127.0.0.1', () => resolve())
    })
    sink.#port = (sink.#server.server.address() as { port: number }).port
    return sink
  }

  /** Answers every message held back so far, and holds no more. */
  release(): void {
    this.holdUntil = 0
    for (const answer of this.#held.splice(0)) answer()
  }

  /** Messages whose reply is being held back (`holdUntil`). */
  get held(): number {
    return this.#held.length
  }

  get port(): number {
    return this.#port
  }

  /** `smtp://[user:password@]127.0.0.1:port` (the credentials as given, percent-encoded). */
  url(credentials?: { user: string; password: string }): string {
    const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : ''
    return `smtp://${auth}127.0.0.1:${this.#port}`
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

/** Waits for `condition`, looking every 10 ms, for at most `limitMs`; then fails naming `what`. */
export async function waitFor<T>(what: string, condition: () => T | undefined | false | Promise<T | undefined | false>, limitMs = 15_000): Promise<T> {
  const limit = Date.now() + limitMs
  for (;;) {
    const value = await condition()
    if (value) return value
    if (Date.now() > limit) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
