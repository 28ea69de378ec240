/**
 * The arithmetic of the webhook-delivery throughput phases, kept apart so that it is tested
 * without a server: a backlog drained by the server's deliverer, as the receiver saw it.
 */
import { summarize } from '../stats.js'

/** One request the receiver took: which endpoint (its path), which event, when (performance.now()). */
export interface Receipt {
  readonly path: string
  readonly id: string
  readonly atMs: number
}

export interface Drain {
  /** Distinct events received, over every path. */
  readonly delivered: number
  /** Requests that repeated an event already received on that path (at least once). */
  readonly repeats: number
  /** delivered − 1 ÷ seconds from the first receipt to the last, over every path. */
  readonly perSecond: number
  /** The same for each path, in `paths` order. */
  readonly perPath: number[]
  /** Between two consecutive receipts of one path, ms (p50, p99 over every path). */
  readonly gapP50Ms: number
  readonly gapP99Ms: number
  /** Seconds from the first receipt to the last. */
  readonly seconds: number
}

function rate(count: number, firstMs: number, lastMs: number): number {
  const seconds = (lastMs - firstMs) / 1000
  return count > 1 && seconds > 0 ? (count - 1) / seconds : 0
}

/**
 * The delivery rate of a backlog, from the receipts of `paths`: counted from the first receipt
 * (not from when the backlog was written, which includes the deliverer's wait for its poll) to
 * the last, so it is the pace of delivery itself.
 */
export function drainOf(receipts: readonly Receipt[], paths: readonly string[]): Drain {
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  let delivered = 0
  let repeats = 0
  const gaps: number[] = []
  const perPath: number[] = []
  for (const path of paths) {
    const seen = new Set<string>()
    let pathFirst = Number.POSITIVE_INFINITY
    let pathLast = Number.NEGATIVE_INFINITY
    for (const r of receipts) {
      if (r.path !== path) continue
      if (seen.has(r.id)) {
        repeats++
        continue
      }
      seen.add(r.id)
      if (pathLast > Number.NEGATIVE_INFINITY) gaps.push(r.atMs - pathLast)
      pathFirst = Math.min(pathFirst, r.atMs)
      pathLast = Math.max(pathLast, r.atMs)
    }
    delivered += seen.size
    perPath.push(rate(seen.size, pathFirst, pathLast))
    first = Math.min(first, pathFirst)
    last = Math.max(last, pathLast)
  }
  const summary = summarize(Float64Array.from(gaps))
  return {
    delivered,
    repeats,
    perSecond: rate(delivered, first, last),
    perPath,
    gapP50Ms: summary.p50Ms,
    gapP99Ms: summary.p99Ms,
    seconds: delivered > 1 ? (last - first) / 1000 : 0,
  }
}
