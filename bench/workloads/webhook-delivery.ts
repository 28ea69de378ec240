/**
 * Webhook delivery under a steady stream of changes (docs/webhooks.md): one endpoint of the
 * tenant `bench-hooks`, subscribed to `user.created`, points at a receiver on 127.0.0.1 in this
 * process, which answers 204 at once. Creates are sent at a fixed rate (1,000/s, open loop: a
 * create does not wait for the one before) for 10 s (5 s with --quick) by this process too, so
 * that each create's answer and its event's arrival are read on one clock. Then the receiver
 * is given up to 30 s to get every event.
 *
 * Reported: the creates (rate reached, latency) and the deliveries — events/s, and the lag from
 * each create's answer to the receiver getting its event (p50, p99). The server's deliverer
 * runs with its defaults (ROSTER_WEBHOOK_POLL_MS 1 s, in-order delivery per endpoint).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { createEndpoint } from '../../src/provisioning/webhooks/endpoints.js'
import type { BenchContext, Measurement } from '../context.js'
import { userBody } from '../plan.js'
import { groupCpuMs } from '../processes.js'
import type { Row } from '../report.js'
import { summarize } from '../stats.js'
import { deliveryLag, dueByNow } from './events-figures.js'
import type { EventsBench } from './events-setup.js'

export const WEBHOOK_RATE = 1000
const SEND_MS = 10_000
const SEND_MS_QUICK = 5_000
/** How long the receiver may take, after the last create, to get every event. */
const DRAIN_MS = 30_000
const TICK_MS = 5
/** Creates in flight at most (the server queues more than 32 per token): one that falls behind the rate is not buried under requests. */
const MAX_IN_FLIGHT = 64
const MAX_ERROR_SAMPLES = 5
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** A receiver that notes when each `user.created` arrives (performance.now()), by the user's id. */
class Receiver {
  readonly received: { id: string; atMs: number }[] = []
  requests = 0
  readonly #server: Server

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const atMs = performance.now()
        this.requests++
        try {
          const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { resourceId?: unknown } }
          const id = payload.data?.resourceId
          if (typeof id === 'string') this.received.push({ id, atMs })
        } catch {
          // Not an event (a ping): nothing to time.
        }
        res.writeHead(204).end()
      })
    })
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver()
    await new Promise<void>((resolve) => r.#server.listen(0, '127.0.0.1', resolve))
    return r
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/roster`
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

export async function webhookDelivery(ctx: BenchContext, setup: EventsBench): Promise<Row[]> {
  const sendMs = ctx.options.quick ? SEND_MS_QUICK : SEND_MS
  const t = await setup.tenant('hooks')
  const receiver = await Receiver.start()
  const pool = new Pool(t.endpoint.origin, { connections: MAX_IN_FLIGHT, headersTimeout: 30_000, bodyTimeout: 30_000 })
  try {
    await createEndpoint(setup.store, t.tenant, { url: receiver.url, eventTypes: ['user.created'], description: 'bench' })
    const answered = new Map<string, number>()
    const latencies: number[] = []
    const statusCounts: Record<string, number> = {}
    const errorSamples: string[] = []
    let errors = 0
    let inFlight = 0
    let sent = 0
    let skipped = 0

    const create = async (n: number): Promise<void> => {
      const started = performance.now()
      try {
        const response = await pool.request({
          method: 'POST',
          path: `${t.endpoint.basePath}/Users`,
          headers: { ...t.endpoint.headers, 'content-type': 'application/scim+json' },
          body: userBody(t.prefix, n),
        })
        const text = await response.body.text()
        const at = performance.now()
        statusCounts[response.statusCode] = (statusCounts[response.statusCode] ?? 0) + 1
        if (response.statusCode !== 201) throw new Error(`POST /Users -> ${response.statusCode} ${text.slice(0, 200)}`)
        answered.set((JSON.parse(text) as { id: string }).id, at)
        latencies.push(at - started)
      } catch (error) {
        errors++
        if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(error instanceof Error ? error.message : String(error))
      } finally {
        inFlight--
      }
    }

    ctx.log(`webhook delivery: ${WEBHOOK_RATE} creates/s for ${sendMs / 1000} s, one endpoint subscribed to user.created`)
    const cpuBefore = groupCpuMs(t.endpoint.pgid)
    const ownCpu = process.cpuUsage()
    const started = performance.now()
    const pending: Promise<void>[] = []
    for (let now = started; now - started < sendMs; now = performance.now()) {
      const due = dueByNow(WEBHOOK_RATE, started, now, sent + skipped)
      for (let i = 0; i < due; i++) {
        // Behind the rate by more than the cap allows: that create is not sent, and says so.
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++
          continue
        }
        inFlight++
        pending.push(create(t.created + sent++))
      }
      await sleep(TICK_MS)
    }
    await Promise.all(pending)
    const sendWallMs = performance.now() - started
    t.created += sent
    const cpu = process.cpuUsage(ownCpu)
    const cpuAfter = groupCpuMs(t.endpoint.pgid)

    // The receiver gets the rest of the backlog, or the time allowed runs out.
    const drainUntil = performance.now() + DRAIN_MS
    while (performance.now() < drainUntil && new Set(receiver.received.map((r) => r.id)).size < answered.size) await sleep(50)
    const lag = deliveryLag(answered, receiver.received)

    const summary = summarize(Float64Array.from(latencies))
    const creates: Measurement = {
      reqPerSec: (answered.size * 1000) / sendWallMs,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      requests: sent,
      errors,
      durationMs: sendWallMs,
      statusCounts,
      errorSamples,
      generatorCpu: (cpu.user + cpu.system) / 1000 / sendWallMs,
    }
    if (cpuBefore !== undefined && cpuAfter !== undefined) creates.serverCpu = (cpuAfter - cpuBefore) / sendWallMs
    const deliveries: Measurement = {
      reqPerSec: lag.perSecond,
      p50Ms: lag.p50Ms,
      p99Ms: lag.p99Ms,
      requests: lag.delivered,
      errors: 0,
      durationMs: sendWallMs,
      statusCounts: { 204: receiver.requests },
      errorSamples: [],
      generatorCpu: 0,
    }
    const notes = [
      `${number.format(lag.delivered)} of ${number.format(answered.size)} created users' events reached the receiver; ` +
        `${receiver.requests - lag.delivered} more requests were redeliveries or pings`,
    ]
    if (lag.missing > 0) notes.push(`${number.format(lag.missing)} events had not arrived ${DRAIN_MS / 1000} s after the last create: the deliverer fell behind`)
    return [
      {
        workload: 'webhook-delivery',
        label: `creates at ${number.format(WEBHOOK_RATE)}/s (open loop)`,
        kind: 'info',
        measurement: creates,
        notes: skipped > 0 ? [`${number.format(skipped)} creates not sent: ${MAX_IN_FLIGHT} were in flight (the server fell behind the rate)`] : [],
      },
      {
        workload: 'webhook-delivery',
        label: 'webhook deliveries (events/s; p50/p99: lag from the create’s answer)',
        kind: 'workload',
        measurement: deliveries,
        notes,
      },
    ]
  } finally {
    await pool.close()
    await receiver.close()
  }
}
