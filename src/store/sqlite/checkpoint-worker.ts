/**
 * Runs in a worker thread with its own connection: copies the WAL back into the database file
 * (`PRAGMA wal_checkpoint(PASSIVE)`) every `intervalMs`. A checkpoint syncs the file to disk,
 * which takes milliseconds to tens of milliseconds; done by SQLite's automatic checkpoint it
 * would stall, inside some unlucky request's COMMIT, the thread that serves every request.
 * PASSIVE never waits for readers or writers, so it cannot block the main connection either.
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'

const { filename, intervalMs } = workerData as { filename: string; intervalMs: number }
const db = new Database(filename)
db.pragma('busy_timeout = 100')

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch (e) {
    // Busy or locked now; the next tick tries again. Anything else ends the worker, and the
    // main connection falls back to automatic checkpoints.
    if ((e as { code?: string }).code !== 'SQLITE_BUSY' && (e as { code?: string }).code !== 'SQLITE_LOCKED') throw e
  }
}, intervalMs)

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort?.close()
})
