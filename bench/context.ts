/**
 * What the workloads share: the load generator, the two endpoints (SCIM under test and bare
 * baseline), the users loaded so far, and `measure`, which runs one spec and turns its result
 * into a Measurement for the report.
 */
import { performance } from 'node:perf_hooks'
import { request } from 'undici'
import type { LoadGenerator } from './load.js'
import type { BenchOptions } from './options.js'
import type { RequestPlan } from './plan.js'
import { groupCpuMs } from './processes.js'
import type { Phase, RunResult } from './run-spec.js'
import type { Endpoint } from './server.js'

export interface Measured extends Endpoint {
  /** Process group of a server this run started, to read its CPU time. */
  pgid?: number
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
}

export interface MeasureOptions {
  plan: RequestPlan
  warmup: Phase
  measure: Phase
  connections?: number
  collectIds?: boolean
  seed?: number
  maxMs?: number
}

/** Hard cap on one phase unless a workload asks for more (loading users). */
const DEFAULT_MAX_MS = 120_000

export async function measure(
  ctx: BenchContext,
  endpoint: Measured,
  options: MeasureOptions,
): Promise<{ measurement: Measurement; result: RunResult }> {
  const cpuBefore = groupCpuMs(endpoint.pgid)
  const started = performance.now()
  const result = await ctx.generator.run({
    origin: endpoint.origin,
    headers: endpoint.headers,
    connections: options.connections ?? ctx.options.connections,
    pipelining: ctx.options.pipelining,
    plan: options.plan,
    warmup: options.warmup,
    measure: options.measure,
    maxMs: options.maxMs ?? DEFAULT_MAX_MS,
    collectIds: options.collectIds ?? false,
    seed: options.seed ?? ctx.options.seed,
  })
  const wallMs = performance.now() - started
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
