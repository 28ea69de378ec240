import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Store } from './contract.js'
import { checkPostgresUrl } from './postgres/database-url.js'
import { PostgresStore } from './postgres/postgres-store.js'
import { SqliteStore } from './sqlite/sqlite-store.js'

export { redactDatabaseUrl } from './postgres/database-url.js'

/**
 * Opens the store a database URL names (`ROSTER_DATABASE_URL`):
 * - `sqlite:<path>` (also `sqlite://<path>`): a file, its parent directory created if missing;
 * - `sqlite::memory:`: a private in-memory database, gone when closed;
 * - `postgres://user:password@host:port/database` (also `postgresql://`): a pool of connections,
 *   checked by opening one; libpq parameters (`sslmode`, `options=-c search_path=…`) go in the
 *   query string.
 * The schema is not touched: call `migrate()`. Errors never show a password.
 */
export async function openStore(url: string, options: { poolSize?: number | undefined } = {}): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    checkPostgresUrl(url)
    return PostgresStore.open(url, options)
  }
  if (scheme !== 'sqlite') {
    // The URL itself may hold a password: name only its scheme.
    throw new Error(
      `unsupported database URL${scheme ? ` scheme '${scheme}:'` : ''}; expected sqlite:<path>, sqlite::memory: or postgres://…`,
    )
  }
  let path = url.slice('sqlite:'.length)
  if (path === ':memory:') return SqliteStore.open(':memory:')
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '')
    throw new Error(
      'the sqlite: database URL names no file; expected sqlite:<path>, e.g. sqlite:./data/roster.db',
    )
  mkdirSync(dirname(resolve(path)), { recursive: true })
  return SqliteStore.open(path)
}
