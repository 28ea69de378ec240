import cluster from 'node:cluster'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.js'
import { configFromEnv, type ServerConfig } from '../http/config.js'
import { Background, backgroundConfigFromEnv, type BackgroundConfig } from '../provisioning/background.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import type { Store } from '../store/contract.js'
import { openStore } from '../store/open-store.js'
import { printBanner } from './banner.js'
import { DRIFT_REPAIR, superviseWorkers, WORKER_FAILED, WORKER_LISTENING } from './cluster.js'
import { listenFailure } from './listen-error.js'

export interface ServeOptions {
  /** Processes serving the port (`--workers`, `ROSTER_WORKERS`); 1 runs no cluster at all. */
  readonly workers?: number
}

/**
 * `roster serve`: one process, or with `workers > 1` a node:cluster primary that supervises
 * that many worker processes sharing the port (cluster.ts). In a worker, this function is
 * what each worker runs.
 */
export async function serve(overrides: Partial<ServerConfig>, options: ServeOptions = {}): Promise<void> {
  const config: ServerConfig = { ...configFromEnv(), ...overrides }
  // Read before anything starts, in the primary too: a bad value stops the server once, at once.
  const background = backgroundConfigFromEnv(process.env, config.publicUrl)
  if (cluster.isWorker) return serveWorker(config, background)
  const workers = options.workers ?? 1
  if (workers > 1) return superviseWorkers(config, workers)

  const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize })
  // Closed on failure: an open PostgreSQL pool would keep the process alive until it idles out.
  await store.migrate().catch(async (e: unknown) => {
    await store.close().catch(() => undefined)
    throw e
  })
  const { address, close } = await listen(config, store, background, true)
  printBanner(config, address, await store.listTenants())
  onShutdownSignal(close)
}

/** A cluster worker: the primary has migrated the database and prints the banner. */
async function serveWorker(config: ServerConfig, background: BackgroundConfig): Promise<void> {
  let listening: Awaited<ReturnType<typeof listen>>
  try {
    const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize })
    listening = await listen(config, store, background, false)
  } catch (e) {
    // The primary reports it, once for all workers (each fails alike). Left to main(), every
    // worker would print it and then live on, held by its IPC channel, and the primary with it.
    process.exitCode = 1
    process.send?.({ type: WORKER_FAILED, message: (e as Error).message }, () => process.disconnect?.())
    return
  }
  const { address, close, jobs } = listening
  // The primary names one worker to repair drift (cluster.ts): it is one job for the whole server.
  process.on('message', (message: { type?: unknown }) => {
    if (message?.type === DRIFT_REPAIR) jobs.startDriftRepair()
  })
  process.send?.({ type: WORKER_LISTENING, address })
  // The IPC channel keeps a worker alive: leave it once closed, and the process ends.
  onShutdownSignal(async () => {
    await close()
    process.disconnect?.()
  })
}

/**
 * The server, and once it listens the background jobs (background.ts): the outbox sender in
 * every process, drift repair where `driftRepair` (or when the primary asks, in a cluster).
 */
async function listen(
  config: ServerConfig,
  store: Store,
  background: BackgroundConfig,
  driftRepair: boolean,
): Promise<{ address: string; close: () => Promise<void>; jobs: Background }> {
  let app: FastifyInstance
  let address: string
  let jobs: Background | undefined
  try {
    app = await buildApp({
      store,
      registry: defaultRegistry(),
      config,
      logger: {
        level: config.logLevel,
        // Never log credentials (style: no secrets in logs).
        redact: ['req.headers.authorization'],
      },
    })
    // A write may have queued mail (a created user's welcome, a retried message): deliver it
    // now, not at the next poll. Cheap: it only wakes the sender's loop.
    app.addHook('onResponse', (request, reply, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) jobs?.nudge()
      done()
    })
    address = await app.listen({ port: config.port, host: config.host })
  } catch (e) {
    await store.close().catch(() => undefined)
    throw listenFailure(e, config.host, config.port)
  }
  const started = Background.start({ store, config: background, log: app.log, driftRepair })
  jobs = started
  return {
    address,
    jobs: started,
    close: async () => {
      // The sender stops claiming and finishes its deliveries while requests finish; the store
      // closes after both, since each still writes to it.
      await Promise.all([started.stop(), app.close()])
      await store.close()
    },
  }
}

function onShutdownSignal(shutdown: () => Promise<void>): void {
  let closing = false
  const once = () => {
    if (closing) return
    closing = true
    shutdown().catch((e: unknown) => {
      process.stderr.write(`roster: shutdown failed: ${(e as Error).message}\n`)
      process.exit(1)
    })
  }
  process.once('SIGINT', once)
  process.once('SIGTERM', once)
}
