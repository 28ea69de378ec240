/**
 * What the workers of `roster serve --workers N` share through the cluster primary, over the
 * IPC channel node:cluster gives each worker (the primary serves no request):
 * - rate limit buckets: a worker asks for a lease of tokens (rate-limit.ts);
 * - metrics: a scrape of any worker is answered with every worker's metrics merged, so one
 *   scrape sees the whole server (prom-client's AggregatorRegistry.aggregate).
 * The primary runs `shareAcrossWorkers()`; the workers the rest.
 */
import cluster, { type Worker } from 'node:cluster'
import { randomUUID } from 'node:crypto'
import client from 'prom-client'
import { TokenBuckets } from './token-bucket.js'

const LEASE = 'roster:rate-lease'
const LEASE_GRANTED = 'roster:rate-lease-granted'
const METRICS = 'roster:metrics'
const METRICS_MERGED = 'roster:metrics-merged'
const COLLECT = 'roster:metrics-collect'
const COLLECTED = 'roster:metrics-collected'

/** A worker that has not answered by then is left out of a scrape (it may be starting or dying). */
const COLLECT_TIMEOUT_MS = 2_000
/** Past this the primary is taken to be gone: a lease request admits, a scrape fails. */
const PRIMARY_TIMEOUT_MS = 5_000

export interface LeaseAsk {
  readonly key: string
  readonly rate: number
  readonly burst: number
  readonly want: number
}

export interface LeaseGrant {
  readonly granted: number
  /** When nothing was granted: milliseconds until one token is there. */
  readonly waitMs: number
}

interface Message {
  readonly type?: unknown
  readonly id?: unknown
  readonly [key: string]: unknown
}

// ---- In a worker -------------------------------------------------------------------------

const waiting = new Map<string, { resolve: (m: Message) => void; timer: NodeJS.Timeout }>()
let metricsSource: client.Registry | undefined
let listening = false

function listen(): void {
  if (listening) return
  listening = true
  process.on('message', (m: Message) => {
    if (m?.type === COLLECT && typeof m.id === 'string') {
      const id = m.id
      const registry = metricsSource
      void (registry ? registry.getMetricsAsJSON() : Promise.resolve([])).then(
        (metrics) => process.send?.({ type: COLLECTED, id, metrics }, undefined, () => undefined),
        () => process.send?.({ type: COLLECTED, id, metrics: [] }, undefined, () => undefined),
      )
      return
    }
    if ((m?.type === LEASE_GRANTED || m?.type === METRICS_MERGED) && typeof m.id === 'string') {
      const entry = waiting.get(m.id)
      if (!entry) return
      waiting.delete(m.id)
      clearTimeout(entry.timer)
      entry.resolve(m)
    }
  })
}

function ask(message: Record<string, unknown>): Promise<Message> {
  listen()
  const id = randomUUID()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id)
      reject(new Error('the cluster primary did not answer'))
    }, PRIMARY_TIMEOUT_MS)
    timer.unref()
    waiting.set(id, { resolve, timer })
    process.send!({ ...message, id }, undefined, (error: Error | null) => {
      if (!error) return
      waiting.delete(id)
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** Tokens from the primary's buckets, one grant per ask, in order. */
export async function requestLease(asks: readonly LeaseAsk[]): Promise<LeaseGrant[]> {
  const answer = await ask({ type: LEASE, asks })
  return answer.grants as LeaseGrant[]
}

/** This worker's registry, which the primary collects for every scrape. */
export function contributeMetrics(registry: client.Registry): void {
  metricsSource = registry
  listen()
}

/** Every worker's metrics merged, in Prometheus' text format. */
export async function clusterMetrics(): Promise<string> {
  const answer = await ask({ type: METRICS })
  if (typeof answer.error === 'string') throw new Error(answer.error)
  return answer.text as string
}

// ---- In the primary ----------------------------------------------------------------------

/** Installs the primary's side; call once, in the primary, before the workers start. */
export function shareAcrossWorkers(): void {
  const buckets = new TokenBuckets()
  const collecting = new Map<string, { metrics: unknown[]; pending: Set<number>; finish: () => void }>()

  const lease = (worker: Worker, m: Message) => {
    const now = Date.now()
    const grants: LeaseGrant[] = (m.asks as LeaseAsk[]).map((a) => {
      const budget = { rate: a.rate, burst: a.burst, text: '' }
      const granted = buckets.grant(a.key, budget, a.want, now)
      return { granted, waitMs: granted > 0 ? 0 : buckets.waitMs(a.key, budget, now) }
    })
    worker.send({ type: LEASE_GRANTED, id: m.id, grants }, undefined, () => undefined)
  }

  const scrape = (asking: Worker, m: Message) => {
    const id = randomUUID()
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected())
    const entry = {
      metrics: [] as unknown[],
      pending: new Set(workers.map((w) => w.id)),
      finish: () => {
        if (!collecting.delete(id)) return
        clearTimeout(timer)
        client.AggregatorRegistry.aggregate(entry.metrics as object[])
          .metrics()
          .then(
            (text) => asking.send({ type: METRICS_MERGED, id: m.id, text }, undefined, () => undefined),
            (e: unknown) => asking.send({ type: METRICS_MERGED, id: m.id, error: (e as Error).message }, undefined, () => undefined),
          )
      },
    }
    const timer = setTimeout(entry.finish, COLLECT_TIMEOUT_MS)
    collecting.set(id, entry)
    for (const w of workers) w.send({ type: COLLECT, id }, undefined, () => undefined)
    if (workers.length === 0) entry.finish()
  }

  cluster.on('message', (worker: Worker, m: Message) => {
    if (m?.type === LEASE && Array.isArray(m.asks)) return lease(worker, m)
    if (m?.type === METRICS) return scrape(worker, m)
    if (m?.type === COLLECTED && typeof m.id === 'string') {
      const entry = collecting.get(m.id)
      if (!entry) return
      entry.metrics.push(m.metrics)
      entry.pending.delete(worker.id)
      if (entry.pending.size === 0) entry.finish()
    }
  })
}
