/**
 * Email delivery settings from the environment (docs/email.md, docs/configuration.md). Read
 * when `roster serve` starts, so a value Roster cannot use stops it there (ConfigError, exit 2)
 * instead of surfacing as undelivered mail. Never shows the SMTP password.
 */
import { hostname } from 'node:os'
import { ConfigError } from '../../http/config.js'
import { parseSmtpUrl, singleAddress, type SmtpSettings } from './smtp.js'

export interface EmailConfig {
  /** Undefined: ROSTER_SMTP_URL is not set, no sender runs and messages stay pending. */
  readonly smtp: SmtpSettings | undefined
  /** The From header: `Name <address>` or an address. */
  readonly from: string
  /** How long the sender sleeps between looks at the outbox when nothing nudges it. */
  readonly pollMs: number
  /** The first retry waits up to this long; each further one up to twice as long, at most an hour. */
  readonly retryBaseMs: number
  /** Attempts after which a transient failure fails the message for good. */
  readonly maxAttempts: number
}

/** The longest delay Node's timers keep: a longer one would fire at once, in a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** A whole number from 1 to `max`, or `fallback` when unset. */
export function positiveSetting(name: string, value: string | undefined, fallback: number, max = MAX_TIMER_MS): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(`${name} must be a whole number of at least 1, got '${value}'`)
  }
  if (n > max) throw new ConfigError(`${name} must be at most ${max}, got '${value}'`)
  return n
}

/**
 * The From address when ROSTER_SMTP_FROM is not set: the SMTP user name when it is an email
 * address (most providers only relay mail from the mailbox that logs in), else
 * `noreply@` the public host name (ROSTER_PUBLIC_URL), else `noreply@` this machine's name.
 */
export function defaultFrom(smtp: SmtpSettings | undefined, publicUrl: string | undefined, machine = hostname()): string {
  const user = smtp?.user
  if (user !== undefined && singleAddress(user) === user) return `Roster <${user}>`
  const host = publicUrl === undefined ? machine : new URL(publicUrl).hostname
  return `Roster <noreply@${host}>`
}

export function emailConfigFromEnv(env: NodeJS.ProcessEnv, publicUrl: string | undefined): EmailConfig {
  const smtp = env.ROSTER_SMTP_URL ? parseSmtpUrl(env.ROSTER_SMTP_URL) : undefined
  const fromValue = env.ROSTER_SMTP_FROM?.trim()
  let from: string
  if (fromValue) {
    if (singleAddress(fromValue) === undefined) {
      throw new ConfigError(
        `ROSTER_SMTP_FROM must be one email address, as 'roster@example.com' or 'Roster <roster@example.com>', got '${fromValue}'`,
      )
    }
    from = fromValue
  } else {
    from = defaultFrom(smtp, publicUrl)
  }
  return {
    smtp,
    from,
    pollMs: positiveSetting('ROSTER_OUTBOX_POLL_MS', env.ROSTER_OUTBOX_POLL_MS, 1000),
    retryBaseMs: positiveSetting('ROSTER_OUTBOX_RETRY_BASE_MS', env.ROSTER_OUTBOX_RETRY_BASE_MS, 30_000),
    maxAttempts: positiveSetting('ROSTER_OUTBOX_MAX_ATTEMPTS', env.ROSTER_OUTBOX_MAX_ATTEMPTS, 8, 1000),
  }
}
