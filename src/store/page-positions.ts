/**
 * Where `startIndex` pages of the unfiltered, insertion-ordered list end: a small per-process
 * memory of "the row at position N has seq S", so the page after it is read with
 * `WHERE seq > S` (an index seek) instead of `OFFSET N` (a walk over N rows). IdPs import whole
 * directories page after page with `startIndex` (Okta does); each page then costs the same at
 * the end as at the start. An arbitrary jump starts from the nearest remembered position below.
 *
 * A position is exact while no row of the (tenant, type) was deleted since it was remembered:
 * inserts only append (a new seq is above every visible one; on PostgreSQL the insert takes
 * the (tenant, type) insert lock before its seq, see `insertMany`), and updates do not move rows in this order.
 * Each entry records `removed` from `resource_counts` and is used only while it is unchanged,
 * so the answer is always the one OFFSET would give — in every process, whoever deletes.
 */

/** Positions remembered per (tenant, type); the oldest go first. */
const PER_LIST = 256
/** Lists remembered per database. */
const LISTS = 1024

/** The positions of one list, all taken while `removed` had one value. */
interface Positions {
  readonly removed: number
  readonly seqs: Map<number, number>
}

const lists = new WeakMap<object, Map<string, Positions>>()

export interface PagePosition {
  /** Rows before the page: it continues after `seq`. */
  readonly offset: number
  readonly seq: number
  /** `resource_counts.removed` when it was remembered; exact only while that is unchanged. */
  readonly removed: number
}

/** The remembered position nearest to `offset` from below, if any. */
export function nearestPosition(owner: object, list: string, offset: number): PagePosition | undefined {
  const positions = lists.get(owner)?.get(list)
  if (positions === undefined) return undefined
  let best: PagePosition | undefined
  for (const [at, seq] of positions.seqs) {
    if (at <= offset && (best === undefined || at > best.offset)) best = { offset: at, seq, removed: positions.removed }
  }
  return best
}

/** Remembers that `offset` rows end with the row `seq`; positions of another `removed` go. */
export function rememberPosition(owner: object, list: string, offset: number, seq: number, removed: number): void {
  let byList = lists.get(owner)
  if (byList === undefined) lists.set(owner, (byList = new Map()))
  let positions = byList.get(list)
  if (positions === undefined || positions.removed !== removed) {
    if (positions === undefined && byList.size >= LISTS) byList.delete(byList.keys().next().value!)
    byList.set(list, (positions = { removed, seqs: new Map() }))
  }
  positions.seqs.delete(offset)
  if (positions.seqs.size >= PER_LIST) positions.seqs.delete(positions.seqs.keys().next().value!)
  positions.seqs.set(offset, seq)
}

/**
 * The rows skipped with OFFSET by list reads of this process: the largest since `reset`. Tests
 * check that a sequential walk never skips more than a page.
 */
export const offsetProbe = { largest: 0 }

export function noteOffset(skipped: number): void {
  if (skipped > offsetProbe.largest) offsetProbe.largest = skipped
}
