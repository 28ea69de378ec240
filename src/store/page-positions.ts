/**
 * Where `startIndex` pages of the unfiltered, insertion-ordered list end: a small per-process
 * memory of "the row at position N has seq S", so the page after it is read with
 * `WHERE seq > S` (an index seek) instead of `OFFSET N` (a walk over N rows). IdPs import whole
 * directories page after page with `startIndex` (Okta does); each page then costs the same at
 * the end as at the start. An arbitrary jump starts from the nearest remembered position below.
 *
 * A position is exact while no row of the (tenant, type) was deleted since it was remembered:
 * inserts only append (a new seq is above every visible one; on PostgreSQL the insert takes
 * the (tenant, type) insert lock before its seq, see `PostgresDialect.insertResources`), and
 * updates do not move rows in this order.
 * Each entry records `removed` from `resource_counts` and is used only while it is unchanged,
 * so the answer is always the one OFFSET would give — in every process, whoever deletes.
 */

/** Positions remembered per (tenant, type); the oldest go first. */
const PER_LIST = 256
/** Lists remembered per store. */
const LISTS = 1024

/** The positions of one list, all taken while `removed` had one value. */
interface Positions {
  readonly removed: number
  readonly seqs: Map<number, number>
}

export interface PagePosition {
  /** Rows before the page: it continues after `seq`. */
  readonly offset: number
  readonly seq: number
  /** `resource_counts.removed` when it was remembered; exact only while that is unchanged. */
  readonly removed: number
}

/** The positions of one store's lists (each store owns one: positions are per database). */
export class PagePositions {
  readonly #lists = new Map<string, Positions>()

  /** The remembered position nearest to `offset` from below, if any. */
  nearest(list: string, offset: number): PagePosition | undefined {
    const positions = this.#lists.get(list)
    if (positions === undefined) return undefined
    let best: PagePosition | undefined
    for (const [at, seq] of positions.seqs) {
      if (at <= offset && (best === undefined || at > best.offset)) best = { offset: at, seq, removed: positions.removed }
    }
    return best
  }

  /** Remembers that `offset` rows end with the row `seq`; positions of another `removed` go. */
  remember(list: string, offset: number, seq: number, removed: number): void {
    let positions = this.#lists.get(list)
    if (positions === undefined || positions.removed !== removed) {
      if (positions === undefined && this.#lists.size >= LISTS) this.#lists.delete(this.#lists.keys().next().value!)
      this.#lists.set(list, (positions = { removed, seqs: new Map() }))
    }
    positions.seqs.delete(offset)
    if (positions.seqs.size >= PER_LIST) positions.seqs.delete(positions.seqs.keys().next().value!)
    positions.seqs.set(offset, seq)
  }
}
