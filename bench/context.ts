/**
 * What the workloads share: the load generator, the two endpoints (SCIM under test and bare
 * baseline), the users loaded so far, and `measure`, which runs one spec and turns its result
 * into a Measurement for the report.
 */
import { performance } from 'node:perf_hooks'
import { Pool, request } from 'undici'
import type { LoadGenerator } from './load.js'
import type { BenchOptions } from './options.js'
import type { RequestPlan } from './plan.js'
import { groupCpuMs } from './processes.js'
import { sampleRss, type RssPeak } from './rss.js'
import type { Phase, RunResult } from './run-spec.js'
import type { Endpoint } from './server.js'
import { summarize } from './stats.js'

export interface Measured extends Endpoint {
  /** Process group of a server this run started, to read its CPU time and memory. */
  pgid?: number
}

/** What earlier workloads learnt about the server, for later ones. */
export interface Discovered {
  /** Created users per second of the measured POST /Users run. */
  createRate?: number
  /** How the rest of the users are loaded, once decided (see workloads/load-users.ts). */
  loadWith?: 'post' | 'bulk'
}

export interface BenchContext {
  options: BenchOptions
  generator: LoadGenerator
  scim: Measured
  bare: Measured
  /** userName of user n is userName(userNamePrefix, n); unique per run. */
  userNamePrefix: string
  /** `userIds[n]` is the id of user n, or null where its creation failed. */
  userIds: (string | null)[]
  discovered: Discovered
  /**
   * URL of the database the started Roster runs on (the scratch one for PostgreSQL), for the
   * workloads that prepare tenants, teams and sessions through the domain services; undefined
   * with --target.
   */
  database?: string
  /** The core the server under test is pinned to, when it is (one process, pinning on). */
  serverCpu?: number
  log(line: string): void
}

export interface Measurement {
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  requests: number
  errors: number
  durationMs: number
  statusCounts: Record<string, number>
  errorSamples: string[]
  /** Share of one core the load generator used while measuring (near 1: client-bound). */
  generatorCpu: number
  /** Share of one core the server's process group used over the run, when it is ours. */
  serverCpu?: number
  /** Peak resident memory of the server's processes while this row ran, when it is ours. */
  serverRss?: RssPeak
}

export interface MeasureOptions {
  plan: RequestPlan
  warmup: Phase
  measure: Phase
  connections?: number
  collectIds?: boolean
  seed?: number
  maxMs?: number
  /** Return every measured latency in `result.latencies` (to combine runs: bench/combine.ts). */
  keepLatencies?: boolean
  /** Called when the warm-up is over and the measured phase starts. */
  onMeasuring?: () => void
  /** Aborting it ends the measured phase at once. */
  signal?: AbortSignal
}

/** Hard cap on one phase unless a workload asks for more (loading users). */
const DEFAULT_MAX_MS = 120_000

export async function measure(
  ctx: BenchContext,
  endpoint: Measured,
  options: MeasureOptions,
): Promise<{ measurement: Measurement; result: RunResult }> {
  const cpuBefore = groupCpuMs(endpoint.pgid)
  const stopRss = sampleRss(endpoint === ctx.bare ? undefined : endpoint.pgid)
  const started = performance.now()
  const control = {
    ...(options.onMeasuring !== undefined && { onMeasuring: options.onMeasuring }),
    ...(options.signal !== undefined && { signal: options.signal }),
  }
  const running = ctx.generator.run({
    origin: endpoint.origin,
    headers: endpoint.headers,
    connections: options.connections ?? ctx.options.connections,
    pipelining: ctx.options.pipelining,
    plan: options.plan,
    warmup: options.warmup,
    measure: options.measure,
    maxMs: options.maxMs ?? DEFAULT_MAX_MS,
    collectIds: options.collectIds ?? false,
    keepLatencies: options.keepLatencies ?? false,
    seed: options.seed ?? ctx.options.seed,
  }, control)
  let result: RunResult
  try {
    result = await running
  } finally {
    // Stopped on failure too, or its timer would keep the process alive.
    stopRss()
  }
  const wallMs = performance.now() - started
  const rss = stopRss()
  const cpuAfter = groupCpuMs(endpoint.pgid)
  const measurement: Measurement = {
    reqPerSec: result.reqPerSec,
    p50Ms: result.latency.p50Ms,
    p99Ms: result.latency.p99Ms,
    requests: result.requests,
    errors: result.errors,
    durationMs: result.durationMs,
    statusCounts: result.statusCounts,
    errorSamples: result.errorSamples,
    generatorCpu: result.generatorCpu,
  }
  // /proc counts in 10 ms ticks: below half a second the share would be noise.
  if (cpuBefore !== undefined && cpuAfter !== undefined && wallMs >= 500) {
    measurement.serverCpu = (cpuAfter - cpuBefore) / wallMs
  }
  if (rss !== undefined) measurement.serverRss = rss
  if (result.warmupErrors > 0) {
    measurement.errorSamples = [`${result.warmupErrors} warm-up request(s) failed`, ...measurement.errorSamples]
  }
  return { measurement, result }
}

/** One request outside any measurement, to check that a workload asks the right thing. */
export async function getJson(endpoint: Endpoint, path: string): Promise<{ status: number; body: unknown }> {
  const response = await request(`${endpoint.origin}${path}`, {
    headers: endpoint.headers,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  })
  const text = await response.body.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Keep the text: the caller reports it.
  }
  return { status: response.statusCode, body }
}

/** A timed phase of the configured length, preceded by the configured warm-up. */
export function timedPhases(options: BenchOptions): { warmup: Phase; measure: Phase } {
  return { warmup: { ms: options.warmupMs }, measure: { ms: options.durationMs } }
}

export interface WalkOptions {
  /** Path of the first request. */
  first: string
  /** Path of the request after the answer `body` to request `index`, or undefined to stop. */
  next(body: unknown, index: number): string | undefined
  /** Requests sent before the walk (same first path), not recorded. */
  warmup: number
  maxRequests: number
}

export interface Walk {
  measurement: Measurement
  /** Latency of each request of the walk, in order, in ms. */
  latencies: number[]
  /** The parsed answer of the last request. */
  last: unknown
}

/**
 * A sequential walk, each request depending on the answer before it (pages by startIndex,
 * RFC 9865 cursors): one keep-alive connection, sent from this process because the load
 * generator's plans cannot depend on answers. Stops at the first non-2xx answer.
 */
export async function measureWalk(ctx: BenchContext, endpoint: Measured, walk: WalkOptions): Promise<Walk> {
  const pool = new Pool(endpoint.origin, { connections: 1, headersTimeout: 60_000, bodyTimeout: 60_000 })
  const get = async (path: string): Promise<{ status: number; text: string; ms: number }> => {
    const sent = performance.now()
    const response = await pool.request({ method: 'GET', path, headers: endpoint.headers })
    const text = await response.body.text()
    return { status: response.statusCode, text, ms: performance.now() - sent }
  }
  const latencies: number[] = []
  const errorSamples: string[] = []
  const statusCounts: Record<string, number> = {}
  let errors = 0
  let last: unknown
  let stopRss: () => RssPeak | undefined = () => undefined
  try {
    for (let i = 0; i < walk.warmup; i++) await get(walk.first)
    const cpuBefore = groupCpuMs(endpoint.pgid)
    stopRss = sampleRss(endpoint === ctx.bare ? undefined : endpoint.pgid)
    const cpuStart = process.cpuUsage()
    const started = performance.now()
    let path: string | undefined = walk.first
    while (path !== undefined && latencies.length < walk.maxRequests) {
      const answer = await get(path)
      latencies.push(answer.ms)
      statusCounts[answer.status] = (statusCounts[answer.status] ?? 0) + 1
      if (answer.status < 200 || answer.status >= 300) {
        errors++
        errorSamples.push(`GET ${path} -> ${answer.status} ${answer.text.slice(0, 300)}`)
        break
      }
      try {
        last = JSON.parse(answer.text)
      } catch {
        last = answer.text
      }
      path = walk.next(last, latencies.length - 1)
    }
    const wallMs = performance.now() - started
    const cpu = process.cpuUsage(cpuStart)
    const cpuAfter = groupCpuMs(endpoint.pgid)
    const rss = stopRss()
    const summary = summarize(Float64Array.from(latencies))
    const measurement: Measurement = {
      reqPerSec: wallMs > 0 ? (latencies.length * 1000) / wallMs : 0,
      p50Ms: summary.p50Ms,
      p99Ms: summary.p99Ms,
      requests: latencies.length,
      errors,
      durationMs: wallMs,
      statusCounts,
      errorSamples,
      generatorCpu: wallMs > 0 ? (cpu.user + cpu.system) / 1000 / wallMs : 0,
    }
    if (cpuBefore !== undefined && cpuAfter !== undefined && wallMs >= 500) {
      measurement.serverCpu = (cpuAfter - cpuBefore) / wallMs
    }
    if (rss !== undefined) measurement.serverRss = rss
    return { measurement, latencies, last }
  } finally {
    stopRss()
    await pool.close()
  }
}
