/**
 * Checks of what a host application passes to `createRoster` and `onEvent`: a mistake is an
 * error at once, naming the option, not a surprise at the first request or event.
 */

/** An option a host application passed that Roster cannot use. */
export class RosterOptionError extends TypeError {
  override readonly name = 'RosterOptionError'
}

/**
 * `databaseUrl` as the store opener takes it (store/open-store.ts): a bare path or `:memory:`
 * names SQLite; anything with a scheme is passed on, and a scheme Roster does not know is
 * refused there, with the URL's password left out of the message.
 */
export function databaseUrlOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RosterOptionError('databaseUrl must name the database: a SQLite file path, :memory:, or a postgres:// URL')
  }
  if (value === ':memory:') return 'sqlite::memory:'
  // A scheme is letters then ':' (a Windows drive letter is one letter: a path).
  if (/^[a-z][a-z0-9+.-]+:/i.test(value)) return value
  return `sqlite:${value}`
}

/**
 * The base of every `meta.location`: an absolute http(s) URL without credentials, query or
 * fragment; a path is kept (a proxy may put the host under one), without its trailing slash.
 */
export function checkPublicUrl(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined
  const refuse = (why: string) => new RosterOptionError(`publicUrl must be an absolute http(s) URL such as https://app.example.com (${why}), got '${String(value)}'`)
  if (typeof value !== 'string') throw refuse('it is not a string')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refuse('it does not parse as a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('the scheme must be https:// or http://')
  if (url.username || url.password) throw refuse('it must not hold a user name or password')
  if (url.search || url.hash) throw refuse('it must not have a query or fragment')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/** Kept in the database under it, and shown in logs: short, printable text. */
const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/

export function checkConsumerName(value: unknown): string {
  if (typeof value !== 'string' || !CONSUMER_NAME.test(value)) {
    throw new RosterOptionError(
      `onEvent: consumer must be a name of 1 to 128 letters, digits and . _ : @ / - (starting with a letter or digit), got ${JSON.stringify(value)}`,
    )
  }
  return value
}
