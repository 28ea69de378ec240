import cluster from 'node:cluster'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.js'
import { configFromEnv, type ServerConfig } from '../http/config.js'
import { defaultRegistry } from '../scim/schema/resource-types.js'
import type { Store } from '../store/contract.js'
import { openStore } from '../store/open-store.js'
import { printBanner } from './banner.js'
import { superviseWorkers, WORKER_FAILED, WORKER_LISTENING } from './cluster.js'
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
  if (cluster.isWorker) return serveWorker(config)
  const workers = options.workers ?? 1
  if (workers > 1) return superviseWorkers(config, workers)

  const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize })
  // Closed on failure: an open PostgreSQL pool would keep the process alive until it idles out.
  await store.migrate().catch(async (e: unknown) => {
    await store.close().catch(() => undefined)
    throw e
  })
  const { address, close } = await listen(config, store)
  printBanner(config, address, await store.listTenants())
  onShutdownSignal(close)
}

/** A cluster worker: the primary has migrated the database and prints the banner. */
async function serveWorker(config: ServerConfig): Promise<void> {
  let listening: Awaited<ReturnType<typeof listen>>
  try {
    const store = await openStore(config.databaseUrl, { poolSize: config.databasePoolSize })
    listening = await listen(config, store)
  } catch (e) {
    // The primary reports it, once for all workers (each fails alike). Left to main(), every
    // worker would print it and then live on, held by its IPC channel, and the primary with it.
    process.exitCode = 1
    process.send?.({ type: WORKER_FAILED, message: (e as Error).message }, () => process.disconnect?.())
    return
  }
  const { address, close } = listening
  process.send?.({ type: WORKER_LISTENING, address })
  // The IPC channel keeps a worker alive: leave it once closed, and the process ends.
  onShutdownSignal(async () => {
    await close()
    process.disconnect?.()
  })
}

async function listen(config: ServerConfig, store: Store): Promise<{ address: string; close: () => Promise<void> }> {
  let app: FastifyInstance
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
    const address = await app.listen({ port: config.port, host: config.host })
    return {
      address,
      close: async () => {
        await app.close()
        await store.close()
      },
    }
  } catch (e) {
    await store.close().catch(() => undefined)
    throw listenFailure(e, config.host, config.port)
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
