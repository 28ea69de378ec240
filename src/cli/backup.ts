/**
 * `roster backup <file>`: a consistent copy of a SQLite database, also while servers write to
 * it. `VACUUM INTO` reads one snapshot (a read transaction: in WAL mode writers carry on
 * meanwhile, and nothing they have not committed is in the copy) and writes it compacted as a
 * single file in rollback-journal mode, with no -wal file beside it to forget. Copying the file
 * with cp is not a backup: it may catch a write half done, and misses what is still in the WAL.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { sqliteSchemaVersion } from '../store/open-store.js'
import { schemaVersion } from '../store/sqlite/migrations.js'

export interface BackupResult {
  /** The schema version copied. */
  readonly version: number
  readonly bytes: number
}

/** Copies the Roster database in `path` (named by `url`) to `destination`, which must not exist. */
export function backupSqlite(url: string, path: string, destination: string): BackupResult {
  sqliteSchemaVersion(url, path)
  const refuseExisting = () => {
    if (existsSync(destination)) {
      throw new Error(`'${destination}' already exists; a backup never replaces a file: choose a new name`)
    }
  }
  refuseExisting()
  if (!existsSync(dirname(destination))) throw new Error(`the directory '${dirname(destination)}' does not exist`)

  // Written under another name and checked before it takes its own: a file with the backup's
  // name is always a whole, readable copy.
  const partial = `${destination}.partial-${process.pid}`
  let version = 0
  try {
    const source = new Database(path, { readonly: true, fileMustExist: true })
    try {
      source.pragma('busy_timeout = 5000')
      source.prepare('VACUUM INTO ?').run(partial)
    } catch (e) {
      throw new Error(`cannot write the backup '${destination}': ${(e as Error).message}`)
    } finally {
      source.close()
    }
    const copy = new Database(partial, { readonly: true, fileMustExist: true })
    try {
      const check = copy.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new Error(`the copy of '${path}' fails SQLite's check: ${String(check)}`)
      const copied = schemaVersion(copy)
      if (copied === undefined) throw new Error(`the copy of '${path}' holds no Roster schema`)
      version = copied
    } finally {
      copy.close()
    }
    refuseExisting()
    renameSync(partial, destination)
  } finally {
    rmSync(partial, { force: true })
  }
  return { version, bytes: statSync(destination).size }
}
