/**
 * PostgreSQL URLs (`postgres://user:password@host:port/database?sslmode=require`) carry the
 * password: whatever Roster prints about one shows it redacted.
 */

/** The URL with its password replaced by `***`; a URL that does not parse is shown by its scheme only. */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]
    return scheme ? `${scheme}://…` : '…'
  }
  if (parsed.password !== '') parsed.password = '***'
  // libpq also takes the password as a query parameter.
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***')
  return parsed.href
}

/** Checks that `url` parses; the error shows it redacted. */
export function checkPostgresUrl(url: string): void {
  try {
    new URL(url)
  } catch {
    throw new Error(
      `not a valid PostgreSQL URL: ${redactDatabaseUrl(url)}; ` +
        'expected postgres://user:password@host:port/database',
    )
  }
}
