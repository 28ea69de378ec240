/**
 * How the scale targets compare two measurements of the same request against each other
 * (a lookup at 10,000 users and at 1,000,000; a PATCH on a group of 100 and of 100,000): the
 * "cost" of the second relative to the first is the worse of its p50 latency ratio and its
 * throughput ratio, so that neither a latency nor a throughput regression can hide.
 */

export interface Figures {
  p50Ms: number
  reqPerSec: number
}

export interface Cost {
  /** max(p50Ratio, rateRatio); 1 means "costs the same". */
  cost: number
  /** other.p50 / base.p50 */
  p50Ratio: number
  /** base.reqPerSec / other.reqPerSec */
  rateRatio: number
}

export function costRatio(base: Figures, other: Figures): Cost {
  const p50Ratio = other.p50Ms / base.p50Ms
  const rateRatio = base.reqPerSec / other.reqPerSec
  const cost = Math.max(p50Ratio, rateRatio)
  return { cost: Number.isNaN(cost) ? Number.POSITIVE_INFINITY : cost, p50Ratio, rateRatio }
}

/**
 * `costRatio` of two measurements taken minutes apart, each first set against the bare route
 * measured just before it: the machine's own speed drifts between such phases (the bare route
 * itself moved by 1.46x between the 10,000- and 1,000,000-user lookups of one run), and that
 * drift is not the server's cost. `raw` is the uncorrected comparison.
 */
export function costAgainstBare(base: Figures, baseBare: Figures, other: Figures, otherBare: Figures): Cost & { raw: Cost; drift: Cost } {
  const raw = costRatio(base, other)
  const drift = costRatio(baseBare, otherBare)
  const p50Ratio = raw.p50Ratio / drift.p50Ratio
  const rateRatio = raw.rateRatio / drift.rateRatio
  const cost = Math.max(p50Ratio, rateRatio)
  return { cost: Number.isFinite(cost) ? cost : Number.POSITIVE_INFINITY, p50Ratio, rateRatio, raw, drift }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length % 2 === 1) return sorted[mid] ?? Number.NaN
  return ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/**
 * Last-pages over first-pages cost of a walk: the median latency of the last `k` requests over
 * that of the first `k` (medians, so that one slow request on a busy machine does not decide).
 */
export function edgeRatio(
  latencies: readonly number[],
  k: number,
): { first: number; last: number; ratio: number } {
  const n = Math.min(k, Math.floor(latencies.length / 2))
  const first = median(latencies.slice(0, Math.max(n, 1)))
  const last = median(latencies.slice(latencies.length - Math.max(n, 1)))
  return { first, last, ratio: last / first }
}

/** Pages a walk reads: `full` every page, `sampled` the first `edge` pages and the last `edge`. */
export type WalkMode = 'full' | 'sampled'

/** The startIndex (1-based, RFC 7644 §3.4.2.4) of every page the walk requests, in order. */
export function pageStarts(total: number, count: number, mode: WalkMode, edge = 5): number[] {
  const pages = Math.max(1, Math.ceil(total / count))
  const all = (from: number, to: number) => Array.from({ length: to - from }, (_, p) => 1 + (from + p) * count)
  if (mode === 'full' || pages <= 2 * edge) return all(0, pages)
  return [...all(0, edge), ...all(pages - edge, pages)]
}
