/** Latency summary of one measured phase. Latencies are in milliseconds. */
export interface LatencySummary {
  requests: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  meanMs: number
}

/**
 * Nearest-rank percentile (the smallest sample with at least p% of samples at or below it),
 * so that a reported p99 is a latency some request really had.
 */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN
}

export function summarize(latenciesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort()
  let sum = 0
  for (const value of sorted) sum += value
  return {
    requests: sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    meanMs: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  }
}
