/**
 * Runs in a worker thread with its own connection: copies the WAL back into the database file
 * (`PRAGMA wal_checkpoint(PASSIVE)`) every `intervalMs`. A checkpoint syncs the file to disk,
 * which takes milliseconds to tens of milliseconds; done by SQLite's automatic checkpoint it
 * would stall, inside some unlucky request's COMMIT, the thread that serves every request.
 * PASSIVE never waits for readers or writers, so it cannot block the main connection either;
 * only a WAL past its limit makes writers wait (below).
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'

const { filename, intervalMs, walLimitFrames } = workerData as { filename: string; intervalMs: number; walLimitFrames: number }
const db = new Database(filename)
const PATIENT_MS = 10_000
db.pragma('busy_timeout = 100')

const timer = setInterval(() => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as [{ busy: number; log: number; checkpointed: number }]
    // Under sustained writes PASSIVE never catches up (a bulk load of 1,000,000 users grew the
    // WAL to 7.5 GB): past the limit, make writers wait while the whole WAL is copied, then
    // truncate it. Writes wait for that checkpoint (on timers, write-lock.ts: reads go on); the
    // disk stays bounded.
    if (log > walLimitFrames) {
      db.pragma(`busy_timeout = ${PATIENT_MS}`)
      try {
        db.pragma('wal_checkpoint(TRUNCATE)')
      } finally {
        db.pragma('busy_timeout = 100')
      }
    }
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
