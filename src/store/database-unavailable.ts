/**
 * The database cannot be reached now (a lost or refused connection, a server shutting down or
 * starting, a lock held past the busy timeout). Nothing the request asked for was committed, or
 * its outcome is unknown; trying again later is the remedy, so HTTP answers 503 with
 * `Retry-After` (RFC 7231 §6.6.4) instead of 500. `cause` keeps the driver's error for the log,
 * never for the client.
 */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the database is unavailable: ${describe(cause)}`, { cause })
    this.name = 'DatabaseUnavailableError'
  }
}

export const isDatabaseUnavailable = (e: unknown): e is DatabaseUnavailableError =>
  e instanceof DatabaseUnavailableError

function describe(cause: unknown): string {
  const e = cause as { message?: unknown; code?: unknown } | null
  const message = typeof e?.message === 'string' && e.message ? e.message : undefined
  const code = typeof e?.code === 'string' ? e.code : undefined
  return message ?? code ?? String(cause)
}
