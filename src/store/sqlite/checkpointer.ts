import type Database from 'better-sqlite3'
import { Worker } from 'node:worker_threads'

/**
 * PASSIVE checkpoints this often. The WAL starts over from its beginning only when a write
 * finds every frame copied back, which under steady writes happens only if the checkpoints
 * keep up closely: at a tenth of this rate, steady PATCHes drove the WAL to its limit every few
 * seconds, and each forced checkpoint stalled every writer (docs/design.md, *Checkpoints off the
 * request path*, has the measurements). At this rate it rarely happens. A checkpoint with
 * nothing to copy only reads the WAL index.
 */
const INTERVAL_MS = 20
/**
 * WAL frames (pages) past which the worker makes writers wait for a full checkpoint: 65,536
 * pages of 4 KiB, 256 MiB. Tests lower it.
 */
export const walLimit = { frames: 65_536 }
/** SQLite's own default, restored if the worker fails. */
const AUTO_CHECKPOINT_PAGES = 1000

/**
 * Moves WAL checkpoints off the request path (see checkpoint-worker.ts). Started on the first
 * write, so short-lived CLI commands never pay for a thread. If the worker dies, automatic
 * checkpoints come back on: the WAL must never grow without bound.
 */
export class Checkpointer {
  readonly #db: Database.Database
  #worker: Worker | undefined
  #stopping = false

  constructor(db: Database.Database) {
    this.#db = db
  }

  start(): void {
    if (this.#worker || this.#stopping || this.#db.memory) return
    const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { filename: this.#db.name, intervalMs: INTERVAL_MS, walLimitFrames: walLimit.frames },
    })
    worker.unref()
    worker.on('error', () => undefined)
    worker.on('exit', () => {
      if (!this.#stopping && this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`)
    })
    this.#db.pragma('wal_autocheckpoint = 0')
    this.#worker = worker
  }

  async stop(): Promise<void> {
    this.#stopping = true
    const worker = this.#worker
    if (!worker) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    // Unref'd while running so it never keeps a process alive; held now until it has exited.
    worker.ref()
    worker.postMessage('stop')
    await exited
  }
}
