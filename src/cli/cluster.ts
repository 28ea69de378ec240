/**
 * `roster serve --workers N`: N processes serving one port (node:cluster; the primary accepts
 * connections and hands them to the workers in turn). The primary serves no request: it
 * migrates the database once, forks the workers, prints where they listen, restarts a worker
 * that dies unexpectedly, and on SIGINT/SIGTERM asks every worker to finish its requests.
 *
 * Every guarantee across workers comes from the database, as between separate servers:
 * uniqueness from its unique index, If-Match and membership changes from its locks (PostgreSQL
 * row locks; SQLite's single write lock, `BEGIN IMMEDIATE`, which serialises writers across
 * processes, each waiting up to busy_timeout).
 *
 * Background jobs (provisioning/background.ts): every worker runs an outbox sender, since a
 * claim hands each message to one sender only. Drift repair is one job for the whole server:
 * the primary asks one listening worker to run it (DRIFT_REPAIR), and another if that one dies.
 */
import cluster, { type Worker } from 'node:cluster'
import type { ServerConfig } from '../http/config.js'
import { shareAcrossWorkers } from '../http/ops/cluster.js'
import type { Tenant } from '../store/contract.js'
import { openStore } from '../store/open-store.js'
import { printBanner } from './banner.js'

/** The message a worker sends the primary once it listens. */
export const WORKER_LISTENING = 'roster:listening'
/** The message a worker sends the primary when it cannot start (`message`: why), before it exits. */
export const WORKER_FAILED = 'roster:failed'
/** The message the primary sends the one worker that is to repair drift, at once and then periodically. */
export const DRIFT_REPAIR = 'roster:drift-repair'

/** Restart delays double from the first up to the last, and start over once a worker has lived long. */
const FIRST_RESTART_DELAY_MS = 100
const LAST_RESTART_DELAY_MS = 10_000
const HEALTHY_UPTIME_MS = 10_000
/** How long workers get to finish in-flight requests before they are killed. */
const SHUTDOWN_GRACE_MS = 10_000

export async function superviseWorkers(config: ServerConfig, count: number): Promise<void> {
  // Once, before any worker starts: the workers skip it. (Concurrent migrations would also be
  // safe — both stores lock — but each worker would wait for the others.)
  const store = await openStore(config.databaseUrl)
  let tenants: Tenant[]
  try {
    await store.migrate()
    tenants = await store.listTenants()
  } finally {
    await store.close()
  }

  const say = (s: string) => process.stderr.write(`roster: ${s}\n`)
  const started = new Map<Worker, number>()
  const ready = new Set<number>()
  let listening = false
  let shuttingDown = false
  let failures = 0
  const restarts = new Set<NodeJS.Timeout>()
  /** Workers that listen, in the order they said so; `repairer` is the one repairing drift. */
  const serving = new Set<Worker>()
  let repairer: Worker | undefined

  const assignDriftRepair = () => {
    if (shuttingDown || (repairer !== undefined && !repairer.isDead())) return
    repairer = [...serving].find((w) => !w.isDead() && w.isConnected())
    // A send that fails means the worker is going: its exit hands the job on.
    repairer?.send({ type: DRIFT_REPAIR }, undefined, () => undefined)
  }

  const fork = () => {
    const worker = cluster.fork()
    started.set(worker, Date.now())
    worker.on('message', (message: { type?: unknown; address?: unknown; message?: unknown }) => {
      if (message?.type === WORKER_FAILED && typeof message.message === 'string') {
        if (listening) return say(`worker ${worker.process.pid} could not start: ${message.message}`)
        // Before any worker listened: a configuration fault every worker meets (port in use,
        // database gone). Said once, as a single server would say it, and the server stops.
        if (shuttingDown) return
        say(message.message)
        process.exitCode = 1
        return shutdown()
      }
      if (message?.type === WORKER_LISTENING) {
        serving.add(worker)
        assignDriftRepair()
      }
      if (message?.type !== WORKER_LISTENING || typeof message.address !== 'string' || listening) return
      // Announced once every first worker listens: connections are only handed to those that do.
      ready.add(worker.id)
      if (ready.size < count) return
      listening = true
      printBanner(config, message.address, tenants, count)
    })
  }

  cluster.on('exit', (worker, code, signal) => {
    const uptime = Date.now() - (started.get(worker) ?? Date.now())
    started.delete(worker)
    serving.delete(worker)
    if (repairer === worker) {
      repairer = undefined
      assignDriftRepair()
    }
    if (shuttingDown) return
    const how = signal ? `signal ${signal}` : `code ${code}`
    if (!listening) {
      // Dying before any worker listened is a configuration fault (port in use, database gone):
      // restarting would only repeat it.
      say(`worker ${worker.process.pid} exited with ${how} before the server started; stopping`)
      process.exitCode = 1
      return shutdown()
    }
    if (uptime >= HEALTHY_UPTIME_MS) failures = 0
    const delay = Math.min(FIRST_RESTART_DELAY_MS * 2 ** failures, LAST_RESTART_DELAY_MS)
    failures++
    say(`worker ${worker.process.pid} exited with ${how}; starting another in ${delay} ms`)
    const timer = setTimeout(() => {
      restarts.delete(timer)
      if (!shuttingDown) fork()
    }, delay)
    restarts.add(timer)
  })

  const shutdown = () => {
    if (shuttingDown) return
    shuttingDown = true
    for (const timer of restarts) clearTimeout(timer)
    restarts.clear()
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
    // Each worker closes its server (in-flight requests finish) and its store, then exits.
    for (const worker of workers) worker.process.kill('SIGTERM')
    const kill = setTimeout(() => {
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL')
    }, SHUTDOWN_GRACE_MS)
    kill.unref()
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)

  // Rate limit buckets and merged metrics, kept here for all workers (http/ops/cluster.ts).
  shareAcrossWorkers()
  for (let i = 0; i < count; i++) fork()
}
