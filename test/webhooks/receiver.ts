/**
 * A real HTTP receiver for webhook tests: records every request (headers and raw body) per
 * path, and answers as the test says — a status, or held until the test releases it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly json: { type: string; timestamp: string; data: { seq: number; id: string; type: string; tenantId: string; [k: string]: unknown } }
}

/** What a path answers: a status (default 204), optionally after the test releases it. */
export interface Behaviour {
  status?: number | ((n: number) => number)
  hold?: boolean
  /** Answer after this many milliseconds. */
  delayMs?: number
  body?: string
  headers?: Record<string, string>
}

export class Receiver {
  readonly received: Received[] = []
  readonly #behaviour = new Map<string, Behaviour>()
  readonly #held: (() => void)[] = []
  readonly #server: Server
  #port = 0
  /** Requests per path, answered or not. */
  readonly counts = new Map<string, number>()
  /** TCP connections accepted: with keep-alive, far fewer than requests. */
  connections = 0

  private constructor() {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(({ status, body, headers }) => {
        res.writeHead(status, headers)
        res.end(body)
      })
    })
    this.#server.on('connection', () => this.connections++)
  }

  static async start(port = 0): Promise<Receiver> {
    const r = new Receiver()
    await r.listen(port)
    return r
  }

  async listen(port = this.#port): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve))
    this.#port = (this.#server.address() as AddressInfo).port
  }

  /** Stops listening (connections refused) and drops open connections; `listen()` resumes on the same port. */
  async down(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.#port}${path}`
  }

  on(path: string, behaviour: Behaviour): void {
    this.#behaviour.set(path, behaviour)
  }

  /** Answers every held request. */
  release(): void {
    for (const go of this.#held.splice(0)) go()
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path)
  }

  async close(): Promise<void> {
    this.release()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #answer(req: IncomingMessage): Promise<{ status: number; body: string; headers: Record<string, string> }> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const path = req.url ?? '/'
    const n = (this.counts.get(path) ?? 0) + 1
    this.counts.set(path, n)
    const b = this.#behaviour.get(path) ?? {}
    if (b.delayMs) await new Promise((resolve) => setTimeout(resolve, b.delayMs))
    if (b.hold) await new Promise<void>((resolve) => this.#held.push(resolve))
    const status = typeof b.status === 'function' ? b.status(n) : (b.status ?? 204)
    const body = Buffer.concat(chunks).toString('utf8')
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
    // Recorded when answered 2xx only: what a receiver has accepted.
    if (status >= 200 && status < 300) this.received.push({ path, headers, body, json: JSON.parse(body) })
    return { status, body: b.body ?? (status === 204 ? '' : `answer ${n}`), headers: b.headers ?? {} }
  }
}
