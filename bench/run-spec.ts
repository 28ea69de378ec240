import type { RequestPlan } from './plan.js'
import type { LatencySummary } from './stats.js'

/**
 * A phase ends at whichever comes first: `requests` sent or `ms` elapsed (and never later
 * than the run's `maxMs`). At least one of the two must be given.
 */
export interface Phase {
  requests?: number
  ms?: number
}

/** What the parent asks the load generator to do; everything here crosses the IPC channel. */
export interface RunSpec {
  /** `http://127.0.0.1:PORT`; paths come from the plan. */
  origin: string
  headers: Record<string, string>
  connections: number
  pipelining: number
  plan: RequestPlan
  /** Sent first, not recorded; the pool's connections are open and warm afterwards. */
  warmup: Phase
  measure: Phase
  /** Hard cap on each phase, whatever the phase says. */
  maxMs: number
  /** Keep the `id` of every 2xx JSON answer, by request number (warm-up included). */
  collectIds?: boolean
  /** Return every measured latency, so that runs can be combined (bench/combine.ts). */
  keepLatencies?: boolean
  seed: number
}

export interface RunResult {
  /** Completed measured requests, errors included. */
  requests: number
  /** Measured requests answered with a non-2xx status or failed on the network. */
  errors: number
  /** Measured answers by status; `0` stands for a network failure. */
  statusCounts: Record<string, number>
  /** A few failures as `METHOD path -> status body`, to diagnose without a debugger. */
  errorSamples: string[]
  warmupRequests: number
  warmupErrors: number
  durationMs: number
  reqPerSec: number
  latency: LatencySummary
  /** CPU time the load generator used during measurement, as a share of one core. */
  generatorCpu: number
  /**
   * Present when `collectIds` was asked: the ids created, in request order (one per request,
   * or one per operation of a POST /Bulk), null where none was created.
   */
  ids?: (string | null)[]
  /** Present when `keepLatencies` was asked: every measured latency in ms, in completion order. */
  latencies?: number[]
}

export type WorkerRequest =
  | { type: 'run'; runId: number; spec: RunSpec }
  /** Ends the run's current phase now (the measured part of a run that lasts as long as something else). */
  | { type: 'stop'; runId: number }
export type WorkerReply =
  /** The warm-up is over: measurement starts now. */
  | { type: 'measuring'; runId: number }
  | { type: 'result'; runId: number; result: RunResult }
  | { type: 'failed'; runId: number; message: string }
