import net from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/http/app.js'
import { configFromEnv, type ServerConfig } from '../../src/http/config.js'
import { createTenant } from '../../src/provisioning/tenants.js'
import { issueToken } from '../../src/provisioning/tokens.js'
import { defaultRegistry } from '../../src/scim/schema/resource-types.js'
import type { Store, Tenant } from '../../src/store/contract.js'

/** One parsed log line of the server. */
export type LogLine = Record<string, any> & { level: number; msg: string }

export interface Listening {
  readonly app: FastifyInstance
  readonly store: Store
  readonly tenant: Tenant
  readonly token: string
  readonly port: number
  /** Every line logged so far, at debug level and above. */
  readonly logs: LogLine[]
  close(): Promise<void>
}

/**
 * The app on a real loopback port, for what `inject` cannot show: Node's HTTP parser, its
 * timers and sockets. Its log lines are kept for the test to read.
 */
export async function startListening(open: () => Promise<Store>, config: Partial<ServerConfig> = {}): Promise<Listening> {
  const store = await open()
  await store.migrate()
  const logs: LogLine[] = []
  const app = await buildApp({
    store,
    registry: defaultRegistry(),
    config: { ...configFromEnv({}), publicUrl: 'https://roster.test', ...config },
    logger: { level: 'debug', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
  })
  const tenant = await createTenant(store, 'organization', 'acme')
  const { token } = await issueToken(store, tenant)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as net.AddressInfo).port
  return {
    app,
    store,
    tenant,
    token,
    port,
    logs,
    close: async () => {
      await app.close()
      await store.close()
    },
  }
}

export interface Exchange {
  /** Everything the server sent. */
  readonly received: string
  /** Whether the server closed the connection (rather than the limit running out). */
  readonly closedByServer: boolean
}

/**
 * Opens a connection, lets `talk` write to it, and collects what comes back until the server
 * closes it or `limitMs` passes. The limit is generous: it bounds a failing test, it does not
 * measure anything.
 */
export function exchange(port: number, talk: (socket: net.Socket) => void, limitMs = 20_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    let closedByServer = true
    const limit = setTimeout(() => {
      closedByServer = false
      socket.destroy()
    }, limitMs)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(limit)
      resolve({ received, closedByServer })
    })
    socket.on('connect', () => talk(socket))
  })
}

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: any
}

/** The responses in what a server sent, in order, each with its headers (lower-cased) and JSON body. */
export function parseResponses(received: string): RawResponse[] {
  const responses: RawResponse[] = []
  let rest = received
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) throw new Error(`an incomplete response: ${JSON.stringify(rest)}`)
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    const bodyBytes = Buffer.from(rest.slice(end + 4))
    const body = bodyBytes.subarray(0, length).toString('utf8')
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : undefined })
    rest = bodyBytes.subarray(length).toString('utf8')
  }
  return responses
}

/** Resolves once `predicate` holds, checking every 20 ms; rejects after `limitMs` (generous, for busy machines). */
export async function eventually(predicate: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${limitMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
