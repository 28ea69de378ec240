/**
 * Two things compared in one run (creates with and without accounts, deactivations of a heavy
 * and of a light user) are measured in alternating rounds, so that the machine's drift of the
 * moment (±50% between runs, a third within minutes) falls on both sides alike. Each side's
 * rounds are then combined into one measurement here: throughput over the summed time, and
 * percentiles over every latency of every round.
 */
import type { Measurement } from './context.js'
import { mergeRss } from './rss.js'
import { summarize } from './stats.js'

/** One round of one side: its measurement and every latency it recorded, in ms. */
export interface RoundResult {
  measurement: Measurement
  latencies: readonly number[]
}

const MAX_ERROR_SAMPLES = 5

/** The order of the sides in round `round`: as given in even rounds, reversed in odd ones. */
export function roundOrder<T>(sides: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...sides] : [...sides].reverse()
}

/** `total` split into `rounds` whole parts that differ by at most one, larger ones first. */
export function splitEvenly(total: number, rounds: number): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`splitEvenly: total must be a whole number >= 0, got ${total}`)
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`splitEvenly: rounds must be a whole number >= 1, got ${rounds}`)
  const base = Math.floor(total / rounds)
  return Array.from({ length: rounds }, (_, r) => base + (r < total % rounds ? 1 : 0))
}

/**
 * One measurement of several rounds: requests, errors and time summed, req/s over the summed
 * time, p50/p99 over all latencies, shares of a core weighted by time, memory at its peak.
 */
export function combineRounds(rounds: readonly RoundResult[]): Measurement {
  if (rounds.length === 0) throw new RangeError('combineRounds: no rounds to combine')
  let requests = 0
  let errors = 0
  let durationMs = 0
  let generatorCpuMs = 0
  let serverCpuMs = 0
  let serverCpuKnown = true
  const statusCounts: Record<string, number> = {}
  const errorSamples: string[] = []
  const latencies: number[] = []
  for (const { measurement: m, latencies: own } of rounds) {
    requests += m.requests
    errors += m.errors
    durationMs += m.durationMs
    generatorCpuMs += m.generatorCpu * m.durationMs
    if (m.serverCpu === undefined) serverCpuKnown = false
    else serverCpuMs += m.serverCpu * m.durationMs
    for (const [status, count] of Object.entries(m.statusCounts)) statusCounts[status] = (statusCounts[status] ?? 0) + count
    for (const sample of m.errorSamples) if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(sample)
    for (const latency of own) latencies.push(latency)
  }
  const summary = summarize(Float64Array.from(latencies))
  const combined: Measurement = {
    reqPerSec: durationMs > 0 ? (requests * 1000) / durationMs : 0,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    requests,
    errors,
    durationMs,
    statusCounts,
    errorSamples,
    generatorCpu: durationMs > 0 ? generatorCpuMs / durationMs : 0,
  }
  if (serverCpuKnown && durationMs > 0) combined.serverCpu = serverCpuMs / durationMs
  const peaks = rounds.flatMap(({ measurement }) => measurement.serverRss ?? [])
  if (peaks.length > 0) combined.serverRss = mergeRss(peaks)
  return combined
}

/** Smallest and largest of some ratios, as `0.81x–0.93x`, for a note. */
export function spread(values: readonly number[]): string {
  if (values.length === 0) return '-'
  const fmt = (v: number) => `${v.toFixed(2)}x`
  const low = Math.min(...values)
  const high = Math.max(...values)
  return low === high ? fmt(low) : `${fmt(low)}–${fmt(high)}`
}
