/**
 * The arithmetic of the events workloads, kept apart so that it is tested without a server:
 * following the pull feed page by page, pacing creates at a fixed rate, and turning webhook
 * receipts into a delivery rate and lag percentiles.
 */
import { summarize } from '../stats.js'

/** The feed's query of the page after `after`. */
export function feedPath(tenantKey: string, after: number, limit: number): string {
  return `/admin/v1/tenants/${tenantKey}/events?after=${after}&limit=${limit}`
}

export interface FeedPage {
  /** Events on the page. */
  readonly count: number
  /** The seq to ask after next time. */
  readonly next: number
}

/**
 * What a page of `GET …/events` says, checked against what the reader asked: seqs follow `after`
 * one by one (the feed's promise: no gap, no repeat), and `next` is the last of them.
 */
export function readFeedPage(body: unknown, after: number): FeedPage {
  const page = body as { items?: { seq?: unknown }[]; next?: unknown }
  if (!Array.isArray(page.items) || typeof page.next !== 'number') throw new Error(`not a feed page: ${JSON.stringify(body).slice(0, 200)}`)
  page.items.forEach((item, i) => {
    if (item.seq !== after + i + 1) throw new Error(`feed page after ${after}: item ${i} has seq ${String(item.seq)}, not ${after + i + 1}`)
  })
  const last = after + page.items.length
  if (page.next !== last) throw new Error(`feed page after ${after}: next is ${page.next}, not ${last}`)
  return { count: page.items.length, next: page.next }
}

/**
 * How many requests to send at each tick of `tickMs` to keep `rate` per second from `startMs`
 * (a performance.now() reading), given how many were sent so far: catches up after a late tick
 * instead of drifting below the rate.
 */
export function dueByNow(rate: number, startMs: number, nowMs: number, sent: number): number {
  const due = Math.floor(((nowMs - startMs) * rate) / 1000)
  return Math.max(0, due - sent)
}

export interface Lag {
  /** Events that reached the receiver and whose create was answered. */
  readonly delivered: number
  /** Creates answered whose event never reached the receiver in the time allowed. */
  readonly missing: number
  /** delivered ÷ seconds from the first create's answer to the last receipt. */
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Every lag, in ms, in receipt order. */
  readonly lags: number[]
}

/**
 * Lags from each create's answer (`answered`: resource id → performance.now() when its answer
 * arrived) to its event reaching the receiver (`received`, in receipt order, same clock). An
 * event received before its answer arrived counts 0: the receiver had it no later.
 */
export function deliveryLag(answered: ReadonlyMap<string, number>, received: readonly { id: string; atMs: number }[]): Lag {
  const lags: number[] = []
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  const seen = new Set<string>()
  for (const { id, atMs } of received) {
    const at = answered.get(id)
    // A redelivery (at least once) of an event already counted is not a second delivery.
    if (at === undefined || seen.has(id)) continue
    seen.add(id)
    lags.push(Math.max(0, atMs - at))
    first = Math.min(first, at)
    last = Math.max(last, atMs)
  }
  const summary = summarize(Float64Array.from(lags))
  const seconds = (last - first) / 1000
  return {
    delivered: lags.length,
    missing: answered.size - lags.length,
    perSecond: lags.length > 0 && seconds > 0 ? lags.length / seconds : 0,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    lags,
  }
}
