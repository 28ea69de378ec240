/**
 * Webhook delivery (docs/webhooks.md, docs/benchmarks.md), to receivers on 127.0.0.1 in this
 * process that answer 204 at once, on the tenant `bench-hooks`. Three phases, each with
 * endpoints of its own (those of the phase before are disabled first):
 *
 * 1. **Throughput, one endpoint**: a backlog of `user.created` events is written through the
 *    store while the endpoint is disabled, then it is enabled and the server's deliverer sends
 *    the backlog: events/s from the first receipt to the last.
 * 2. **Throughput, four endpoints**: the same with four endpoints, each sent the whole backlog.
 * 3. **Lag**: creates are sent at a fixed rate (1,000/s, open loop: a create does not wait for
 *    the one before) for 10 s (5 s with --quick) by this process, so that each create's answer
 *    and its event's arrival are read on one clock; then the receiver is given up to 30 s to
 *    get every event. Reported: the rate the creates reached and the lag p50/p99.
 *
 * The server's deliverer runs with its defaults (ROSTER_WEBHOOK_POLL_MS 1 s, in-order delivery
 * per endpoint).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { randomUUID } from 'node:crypto'
import { newEvent } from '../../src/provisioning/events/emit.js'
import { createEndpoint } from '../../src/provisioning/webhooks/endpoints.js'
import type { WebhookEndpoint } from '../../src/store/records/webhook.js'
import type { BenchContext, Measurement } from '../context.js'
import { userBody } from '../plan.js'
import { groupCpuMs } from '../processes.js'
import type { Row } from '../report.js'
import { summarize } from '../stats.js'
import { deliveryLag, dueByNow } from './events-figures.js'
import type { EventsBench, EventsTenant } from './events-setup.js'
import { drainOf, type Receipt } from './webhook-figures.js'

export const WEBHOOK_RATE = 1000
const SEND_MS = 10_000
const SEND_MS_QUICK = 5_000
/** How long the receiver may take, after the last create, to get every event. */
const DRAIN_MS = 30_000
const TICK_MS = 5
/** Creates in flight at most (the server queues more than 32 per token): one that falls behind the rate is not buried under requests. */
const MAX_IN_FLIGHT = 64
const MAX_ERROR_SAMPLES = 5
/** Events of the throughput backlog, per endpoint. */
const BACKLOG = 3000
const BACKLOG_QUICK = 1000
const BACKLOG_ENDPOINTS = 4
/** How long a backlog may take to arrive. */
const BACKLOG_MS = 90_000
/** Events written per transaction while seeding a backlog. */
const SEED_BATCH = 500
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** A receiver that notes when each `user.created` arrives (performance.now()), by path and the user's id. */
class Receiver {
  readonly received: Receipt[] = []
  readonly #server: Server

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const atMs = performance.now()
        try {
          const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { resourceId?: unknown } }
          const id = payload.data?.resourceId
          if (typeof id === 'string') this.received.push({ path: req.url ?? '', id, atMs })
        } catch {
          // Not an event (a ping): nothing to time.
        }
        res.writeHead(204).end()
      })
    })
  }

  /** Distinct events received at `path`. */
  count(path: string): number {
    return new Set(this.received.filter((r) => r.path === path).map((r) => r.id)).size
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver()
    await new Promise<void>((resolve) => r.#server.listen(0, '127.0.0.1', resolve))
    return r
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/** What a user's SCIM create writes for webhooks to send, written straight through the store. */
function createdEvent(n: number): ReturnType<typeof newEvent> {
  const id = randomUUID()
  const state = JSON.parse(userBody('hookseed', n)) as Record<string, unknown>
  return newEvent({ type: 'user.created', resourceType: 'User', resourceId: id, requestId: `bench-hooks-${n}`, data: { changed: Object.keys(state).sort(), state: { id, ...state } } })
}

/**
 * `count` endpoints (paths `/<phase>/<i>`) sent a backlog of `events` events: made disabled,
 * the backlog written, then enabled together, so that the deliverer finds the whole backlog
 * at its next poll. Resolves once every path has every event, or the time allowed ran out.
 */
async function drainBacklog(ctx: BenchContext, setup: EventsBench, t: EventsTenant, receiver: Receiver, phase: string, count: number, events: number): Promise<{ endpoints: WebhookEndpoint[]; paths: string[] }> {
  const store = setup.store
  const paths = Array.from({ length: count }, (_, i) => `/${phase}/${i + 1}`)
  const endpoints: WebhookEndpoint[] = []
  for (const path of paths) {
    const made = await createEndpoint(store, t.tenant, { url: receiver.url(path), eventTypes: ['user.created'], description: `bench ${phase}` })
    const off = await store.webhooks.update(t.tenant.id, made.id, { enabled: false }, new Date().toISOString())
    if (off === undefined) throw new Error(`endpoint ${made.id} vanished`)
    endpoints.push(off)
  }
  const tenantStore = store.forTenant(t.tenant)
  for (let from = 0; from < events; from += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, events - from) }, (_, i) => createdEvent(t.created + from + i))
    await tenantStore.transaction((tx) => tx.events.append(batch))
  }
  // PostgreSQL numbers events after their commit; SQLite already has.
  await store.sequenceEvents()
  ctx.log(`webhook delivery: ${number.format(events)} events for ${count} endpoint${count === 1 ? '' : 's'} (${phase})`)
  for (const e of endpoints) await store.webhooks.update(t.tenant.id, e.id, { enabled: true }, new Date().toISOString())
  const until = performance.now() + BACKLOG_MS
  while (performance.now() < until && paths.some((path) => receiver.count(path) < events)) await sleep(50)
  for (const e of endpoints) await store.webhooks.update(t.tenant.id, e.id, { enabled: false }, new Date().toISOString())
  return { endpoints, paths }
}

function drainRow(receiver: Receiver, paths: string[], events: number, label: string): { row: Row; perSecond: number } {
  const drain = drainOf(receiver.received, paths)
  const measurement: Measurement = {
    reqPerSec: drain.perSecond,
    p50Ms: drain.gapP50Ms,
    p99Ms: drain.gapP99Ms,
    requests: drain.delivered,
    errors: 0,
    durationMs: drain.seconds * 1000,
    statusCounts: { 204: drain.delivered + drain.repeats },
    errorSamples: [],
    generatorCpu: 0,
  }
  const notes = [`${number.format(drain.delivered)} of ${number.format(events * paths.length)} events arrived; ${drain.repeats} repeated`]
  if (paths.length > 1) notes.push(`per endpoint: ${drain.perPath.map((r) => `${number.format(r)}/s`).join(', ')}`)
  if (drain.delivered < events * paths.length) notes.push(`${number.format(events * paths.length - drain.delivered)} events had not arrived ${BACKLOG_MS / 1000} s after the endpoints were enabled`)
  return { row: { workload: 'webhook-delivery', label, kind: 'workload', measurement, notes }, perSecond: drain.perSecond }
}

export async function webhookDelivery(ctx: BenchContext, setup: EventsBench): Promise<Row[]> {
  const sendMs = ctx.options.quick ? SEND_MS_QUICK : SEND_MS
  const backlog = ctx.options.quick ? BACKLOG_QUICK : BACKLOG
  const t = await setup.tenant('hooks')
  const receiver = await Receiver.start()
  const pool = new Pool(t.endpoint.origin, { connections: MAX_IN_FLIGHT, headersTimeout: 30_000, bodyTimeout: 30_000 })
  try {
    const one = await drainBacklog(ctx, setup, t, receiver, 'one', 1, backlog)
    const single = drainRow(receiver, one.paths, backlog, `webhook throughput, 1 endpoint (events/s; p50/p99: between deliveries)`)
    const four = await drainBacklog(ctx, setup, t, receiver, 'four', BACKLOG_ENDPOINTS, backlog)
    const several = drainRow(receiver, four.paths, backlog, `webhook throughput, ${BACKLOG_ENDPOINTS} endpoints (events/s, all together)`)
    if (single.perSecond > 0) several.row.ratio = { value: several.perSecond / single.perSecond, of: '1 endpoint' }

    const LAG_PATH = '/lag'
    await createEndpoint(setup.store, t.tenant, { url: receiver.url(LAG_PATH), eventTypes: ['user.created'], description: 'bench lag' })
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
    while (performance.now() < drainUntil && receiver.count(LAG_PATH) < answered.size) await sleep(50)
    const lagReceipts = receiver.received.filter((r) => r.path === LAG_PATH)
    const lag = deliveryLag(answered, lagReceipts)

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
      statusCounts: { 204: lagReceipts.length },
      errorSamples: [],
      generatorCpu: 0,
    }
    const notes = [
      `${number.format(lag.delivered)} of ${number.format(answered.size)} created users' events reached the receiver; ` +
        `${lagReceipts.length - lag.delivered} more requests were redeliveries`,
    ]
    if (lag.missing > 0) notes.push(`${number.format(lag.missing)} events had not arrived ${DRAIN_MS / 1000} s after the last create: the deliverer fell behind`)
    if (creates.reqPerSec < WEBHOOK_RATE * 0.95) notes.push(`the server took ${number.format(creates.reqPerSec)} creates/s of the ${number.format(WEBHOOK_RATE)}/s sent: the lag is at that rate`)
    return [
      single.row,
      several.row,
      {
        workload: 'webhook-delivery',
        label: `creates at ${number.format(WEBHOOK_RATE)}/s (open loop)`,
        kind: 'info',
        measurement: creates,
        notes: skipped > 0 ? [`${number.format(skipped)} creates not sent: ${MAX_IN_FLIGHT} were in flight (the server fell behind the rate)`] : [],
      },
      {
        workload: 'webhook-delivery',
        label: 'webhook lag while creating (events/s; p50/p99: lag from the create’s answer)',
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
