import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Store } from './contract.js'
import { SqliteStore } from './sqlite/sqlite-store.js'

/**
 * Opens the store a database URL names (`ROSTER_DATABASE_URL`):
 * - `sqlite:<path>` (also `sqlite://<path>`): a file, its parent directory created if missing;
 * - `sqlite::memory:`: a private in-memory database, gone when closed;
 * - `postgres://…`, `postgresql://…`: not yet.
 * The schema is not touched: call `migrate()`.
 */
export async function openStore(url: string): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    throw new Error('PostgreSQL support comes in a later release')
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
