/**
 * The load generator's process. It runs apart from the server under test and from the
 * orchestrating CLI so that neither's CPU use distorts the other's (see docs/benchmarks.md).
 * It receives a RunSpec over IPC, sends the requests with an undici Pool of keep-alive
 * connections, and replies with a RunResult.
 */
import { performance } from 'node:perf_hooks'
import { Pool, type Dispatcher } from 'undici'
import { bulkIdsOf, idOf } from './answer-ids.js'
import { bulkSize, planLength, requestAt, type PlannedRequest } from './plan.js'
import { seededRng, type Rng } from './rng.js'
import type { Phase, RunResult, RunSpec, WorkerReply, WorkerRequest } from './run-spec.js'
import { summarize } from './stats.js'

const MAX_ERROR_SAMPLES = 5
/** Bounds every phase even when it is only given a duration. */
const MAX_REQUESTS_PER_PHASE = 5_000_000

interface Answer {
  status: number
  text: string
}

interface RunState {
  pool: Pool
  spec: RunSpec
  rng: Rng
  /** Next request number across both phases. */
  next: number
  limit: number
  /** By request number: the ids its answer(s) created (several for POST /Bulk). */
  ids: ((string | null)[] | undefined)[] | undefined
  /** `stopped` is set by a `stop` message: the current phase sends nothing more. */
  control: { stopped: boolean }
}

interface PhaseOutcome {
  requests: number
  errors: number
  statusCounts: Record<string, number>
  errorSamples: string[]
  durationMs: number
  latencies: Float64Array
  cpuMs: number
}

async function runPhase(state: RunState, phase: Phase, record: boolean): Promise<PhaseOutcome> {
  const { pool, spec } = state
  const maxRequests = Math.min(phase.requests ?? MAX_REQUESTS_PER_PHASE, MAX_REQUESTS_PER_PHASE)
  const start = performance.now()
  const deadline = start + Math.min(phase.ms ?? spec.maxMs, spec.maxMs)
  const cpuStart = process.cpuUsage()
  let latencies = new Float64Array(record ? Math.max(1, Math.min(maxRequests, 1 << 16)) : 0)
  const outcome: PhaseOutcome = {
    requests: 0,
    errors: 0,
    statusCounts: {},
    errorSamples: [],
    durationMs: 0,
    latencies,
    cpuMs: 0,
  }
  let issued = 0

  const sendOne = async (k: number): Promise<void> => {
    let request: PlannedRequest | undefined = requestAt(spec.plan, k, state.rng)
    // A chain (lookup, then create) runs in order on one lane; each of its requests counts.
    while (request !== undefined) {
      const ok = await sendRecorded(k, request)
      request = ok ? request.then : undefined
    }
  }

  const sendRecorded = async (k: number, request: PlannedRequest): Promise<boolean> => {
    const headers: Record<string, string> = { ...spec.headers }
    if (request.body !== undefined) headers['content-type'] = 'application/scim+json'
    const sent = performance.now()
    const { status, text } = await send(pool, request, headers)
    const elapsed = performance.now() - sent
    const ok = status >= 200 && status < 300
    if (state.ids !== undefined && ok && text.length > 0) collectIds(state, k, text)
    if (!record) {
      outcome.requests++
      if (!ok) outcome.errors++
      return ok
    }
    if (outcome.requests === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    latencies[outcome.requests++] = elapsed
    outcome.statusCounts[status] = (outcome.statusCounts[status] ?? 0) + 1
    if (!ok) {
      outcome.errors++
      if (outcome.errorSamples.length < MAX_ERROR_SAMPLES) {
        outcome.errorSamples.push(`${request.method} ${request.path} -> ${status} ${text.slice(0, 300)}`)
      }
    }
    return ok
  }

  const inFlight = Math.max(1, spec.connections * spec.pipelining)
  const lane = async (): Promise<void> => {
    while (!state.control.stopped && issued < maxRequests && state.next < state.limit && performance.now() < deadline) {
      issued++
      await sendOne(state.next++)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  const cpu = process.cpuUsage(cpuStart)
  outcome.durationMs = performance.now() - start
  outcome.cpuMs = (cpu.user + cpu.system) / 1000
  outcome.latencies = latencies.subarray(0, record ? outcome.requests : 0)
  return outcome
}

/**
 * One request through undici's dispatcher API: it skips the stream `pool.request` builds around
 * every body, which leaves the generator's core more headroom (it must outrun the bare route).
 * Resolves when the last byte of the body has arrived; a network failure is status 0.
 */
function send(pool: Pool, request: PlannedRequest, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve) => {
    let status = 0
    const chunks: Buffer[] = []
    const handler: Dispatcher.DispatchHandlers = {
      onConnect() {},
      onHeaders(statusCode) {
        status = statusCode
        return true
      },
      onData(chunk) {
        chunks.push(chunk)
        return true
      },
      onComplete() {
        resolve({ status, text: Buffer.concat(chunks).toString('utf8') })
      },
      onError(error) {
        resolve({ status: 0, text: error.message })
      },
    }
    pool.dispatch({ method: request.method, path: request.path, headers, body: request.body ?? null }, handler)
  })
}

function collectIds(state: RunState, k: number, text: string): void {
  const { plan } = state.spec
  const ids = state.ids
  if (ids === undefined) return
  if (plan.kind === 'bulkCreateUsers') {
    ids[k] = bulkIdsOf(text, plan.first + k * plan.size, bulkSize(plan, k))
    return
  }
  // In a chain the lookup answers a ListResponse (no id) and the create the new resource.
  const id = idOf(text)
  if (id !== null) ids[k] = [id]
}

/** Ids by user, in request order: one per request, or bulkSize per POST /Bulk. */
function flattenIds(state: RunState): (string | null)[] {
  const { plan } = state.spec
  const out: (string | null)[] = []
  for (let k = 0; k < state.next; k++) {
    const expected = plan.kind === 'bulkCreateUsers' ? bulkSize(plan, k) : 1
    const got = state.ids?.[k]
    for (let i = 0; i < expected; i++) out.push(got?.[i] ?? null)
  }
  return out
}

/** `onMeasuring` is called between the warm-up and the measured phase. */
export async function run(spec: RunSpec, control: { stopped: boolean } = { stopped: false }, onMeasuring?: () => void): Promise<RunResult> {
  const pool = new Pool(spec.origin, {
    connections: spec.connections,
    pipelining: spec.pipelining,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  })
  const state: RunState = {
    pool,
    spec,
    rng: seededRng(spec.seed),
    next: 0,
    limit: planLength(spec.plan) ?? Number.POSITIVE_INFINITY,
    ids: spec.collectIds === true ? [] : undefined,
    control,
  }
  try {
    const warmup = await runPhase(state, spec.warmup, false)
    onMeasuring?.()
    const measured = await runPhase(state, spec.measure, true)
    const result: RunResult = {
      requests: measured.requests,
      errors: measured.errors,
      statusCounts: measured.statusCounts,
      errorSamples: measured.errorSamples,
      warmupRequests: warmup.requests,
      warmupErrors: warmup.errors,
      durationMs: measured.durationMs,
      reqPerSec: measured.durationMs > 0 ? (measured.requests * 1000) / measured.durationMs : 0,
      latency: summarize(measured.latencies),
      generatorCpu: measured.durationMs > 0 ? measured.cpuMs / measured.durationMs : 0,
    }
    if (state.ids !== undefined) result.ids = flattenIds(state)
    if (spec.keepLatencies === true) result.latencies = Array.from(measured.latencies)
    return result
  } finally {
    await pool.close()
  }
}

function reply(message: WorkerReply): void {
  process.send?.(message)
}

// Started by LoadGenerator with an IPC channel; without one (run by hand) there is nothing to do.
if (process.send !== undefined) {
  const controls = new Map<number, { stopped: boolean }>()
  process.on('message', (message: WorkerRequest) => {
    const { runId } = message
    if (message.type === 'stop') {
      const control = controls.get(runId)
      if (control !== undefined) control.stopped = true
      return
    }
    const control = { stopped: false }
    controls.set(runId, control)
    run(message.spec, control, () => reply({ type: 'measuring', runId }))
      .then(
        (result) => reply({ type: 'result', runId, result }),
        (error: unknown) => {
          const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
          reply({ type: 'failed', runId, message: text })
        },
      )
      .finally(() => controls.delete(runId))
  })
  // The parent went away (crash, SIGKILL): never keep sending load on our own.
  process.on('disconnect', () => process.exit(0))
}
