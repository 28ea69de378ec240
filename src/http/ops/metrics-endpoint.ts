/**
 * Where metrics are read: `GET /metrics` on the server's port with an instance admin token,
 * and, when ROSTER_METRICS_PORT is set, a port of its own that serves only `GET /metrics`,
 * without a token (bind it where only Prometheus reaches it). In a `--workers` cluster either
 * answers with every worker's metrics merged (cluster.ts).
 */
import cluster from 'node:cluster'
import { createServer, type Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { AdminTokenAuthenticator } from '../../provisioning/admin-tokens.js'
import { forbidden } from '../../scim/errors.js'
import type { Store } from '../../store/contract.js'
import type { Metrics } from '../metrics.js'
import { clusterMetrics } from './cluster.js'

export const METRICS_PATH = '/metrics'

/** The server's metrics in Prometheus' text format: this process's, or the whole cluster's. */
export function metricsText(metrics: Metrics): Promise<string> {
  return cluster.isWorker ? clusterMetrics() : metrics.registry.metrics()
}

export function registerMetricsRoute(app: FastifyInstance, store: Store, metrics: Metrics): void {
  const authenticator = new AdminTokenAuthenticator(store)
  app.get(METRICS_PATH, async (request, reply) => {
    const token = await authenticator.authenticate(request.headers.authorization)
    if (token.tenantId !== null) {
      throw forbidden('metrics describe the whole server: they need an instance admin token, and this one is scoped to one tenant')
    }
    const text = await metricsText(metrics)
    return reply.type(metrics.registry.contentType).send(text)
  })
}

/**
 * The separate metrics port: opened when the app gets ready (before it listens: a port that
 * cannot be had stops the start, as the main port's would), closed with the app.
 */
export function serveMetricsPort(app: FastifyInstance, metrics: Metrics, port: number, host: string): void {
  let server: Server | undefined
  app.addHook('onReady', async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?', 1)[0]
      if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`this port serves only GET ${METRICS_PATH}\n`)
        return
      }
      metricsText(metrics).then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (e: unknown) => {
          app.log.error({ err: e }, 'metrics could not be collected')
          res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be collected; retry\n')
        },
      )
    })
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(`cannot serve metrics on ${host}:${port} (ROSTER_METRICS_PORT): ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`)),
      )
      server!.listen(port, host, () => resolve())
    })
    const address = server.address()
    const where = typeof address === 'object' && address ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : String(address)
    app.log.info({ metricsAddress: where }, `metrics: serving GET ${METRICS_PATH} on ${where}`)
  })
  app.addHook('onClose', async () => {
    if (!server) return
    await new Promise<void>((resolve) => server!.close(() => resolve()))
  })
}
