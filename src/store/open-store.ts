import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from './contract.js'
import { checkPostgresUrl, redactDatabaseUrl } from './postgres/database-url.js'
import { PostgresStore } from './postgres/postgres-store.js'
import { schemaVersion } from './sqlite/migrations.js'
import { SqliteStore } from './sqlite/sqlite-store.js'

export { redactDatabaseUrl } from './postgres/database-url.js'

/** A database URL that names nothing Roster can open; found without connecting or reading a file. */
export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError'
}

/** `mustExist`: the database the URL names does not exist, or holds no Roster schema. */
export class NoRosterDatabaseError extends Error {
  override readonly name = 'NoRosterDatabaseError'
}

export interface OpenStoreOptions {
  /** PostgreSQL connections at most; unset: the store's default. */
  readonly poolSize?: number | undefined
  /**
   * Open only a database that exists and holds a Roster schema, and change nothing on the way:
   * for commands that work on data, where a mistyped path must not become a new, empty database.
   */
  readonly mustExist?: boolean
}

/**
 * Opens the store a database URL names (`ROSTER_DATABASE_URL`):
 * - `sqlite:<path>` (also `sqlite://<path>`): a file, created with its parent directory if
 *   missing (unless `mustExist`);
 * - `sqlite::memory:`: a private in-memory database, gone when closed;
 * - `postgres://user:password@host:port/database` (also `postgresql://`): a pool of connections,
 *   checked by opening one; libpq parameters (`sslmode`, `options=-c search_path=…`) go in the
 *   query string. The database must be named: without it PostgreSQL picks one after the user,
 *   often the server's maintenance database.
 * The schema is not touched: call `migrate()`. Errors never show a password.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(url)
  if (target.kind === 'postgres') {
    const store = await PostgresStore.open(url, options)
    if (options.mustExist && (await store.schemaVersion()) === undefined) {
      await store.close()
      throw new NoRosterDatabaseError(
        `no Roster database at '${redactDatabaseUrl(url)}': it holds no Roster schema (no schema_migrations table ` +
          'on its search path)',
      )
    }
    return store
  }
  if (target.kind === 'memory') {
    if (options.mustExist) {
      throw new DatabaseUrlError('sqlite::memory: is a new, empty database every time; name a file: sqlite:<path>')
    }
    return SqliteStore.open(':memory:')
  }
  const path = resolve(target.path)
  if (options.mustExist) {
    sqliteSchemaVersion(url, path)
  } else {
    try {
      mkdirSync(dirname(path), { recursive: true })
    } catch (e) {
      throw new Error(`cannot create the directory of the database '${path}': ${reason(e)}`)
    }
  }
  try {
    return SqliteStore.open(path)
  } catch (e) {
    throw new Error(`cannot open the SQLite database '${path}': ${reason(e)}`)
  }
}

export type DatabaseTarget =
  | { readonly kind: 'postgres' }
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }

/** What a database URL names, or `DatabaseUrlError`; nothing is opened. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'postgres' || scheme === 'postgresql') {
    try {
      checkPostgresUrl(url)
    } catch (e) {
      throw new DatabaseUrlError((e as Error).message)
    }
    // A URL without a path connects to the database named after the user: for `postgres`, the
    // maintenance database, where a migration would put Roster's tables among the server's own.
    if (decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) === '') {
      throw new DatabaseUrlError(
        `the PostgreSQL URL '${redactDatabaseUrl(url)}' names no database; add it after the host, ` +
          'e.g. postgres://user:password@host:5432/roster',
      )
    }
    return { kind: 'postgres' }
  }
  if (scheme !== 'sqlite') {
    // The URL itself may hold a password: name only its scheme.
    throw new DatabaseUrlError(
      `unsupported database URL${scheme ? ` scheme '${scheme}:'` : ''}; ` +
        'expected sqlite:<path>, sqlite::memory: or postgres://…',
    )
  }
  let path = url.slice('sqlite:'.length)
  if (path === ':memory:') return { kind: 'memory' }
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '') {
    throw new DatabaseUrlError(
      'the sqlite: database URL names no file; expected sqlite:<path>, e.g. sqlite:./data/roster.db',
    )
  }
  return { kind: 'sqlite', path }
}

/**
 * The schema version of the Roster database in the SQLite file `path` (which `url` names),
 * else NoRosterDatabaseError. It looks through a read-only connection, so that neither a
 * missing file nor another application's database is created or changed (the store itself
 * switches a file to WAL mode on opening it).
 */
export function sqliteSchemaVersion(url: string, path: string): number {
  const where = `no Roster database at '${url}'`
  if (!existsSync(path)) throw new NoRosterDatabaseError(`${where}: the file '${path}' does not exist`)
  let probe: Database.Database | undefined
  let version: number | undefined
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true })
    version = schemaVersion(probe)
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'SQLITE_NOTADB') throw new NoRosterDatabaseError(`${where}: '${path}' is not a SQLite database`)
    throw new Error(`cannot open the SQLite database '${path}': ${reason(e)}`)
  } finally {
    probe?.close()
  }
  if (version === undefined) throw new NoRosterDatabaseError(`${where}: '${path}' holds no Roster schema`)
  return version
}

/** A system error's words without Node's decoration (`EACCES: permission denied, mkdir '/x'`). */
function reason(e: unknown): string {
  const message = (e as Error).message ?? String(e)
  return /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message
}
