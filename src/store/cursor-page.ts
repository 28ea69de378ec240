/**
 * RFC 9865 pages from keyset reads, the same for every store. A store reads `count + 1` rows
 * after (or, for a `previousCursor`, before — last to first) the cursor's row; the extra row
 * only tells whether another page exists.
 */
import type { CursorCodec, CursorPosition } from './cursor.js'

/** A row read with `keyColumns()`: its place in the order. */
export interface KeyedRow {
  readonly sort_key: unknown
  readonly sort_seq: number | string
}

export interface CursorPage<R> {
  readonly rows: R[]
  /** Whether the read found rows beyond the page in its direction. */
  readonly more: boolean
  readonly nextCursor?: string
  readonly previousCursor?: string
}

const place = (row: KeyedRow) => ({ key: row.sort_key ?? null, seq: Number(row.sort_seq) })

export function cursorPage<R extends KeyedRow>(
  read: R[],
  count: number,
  position: CursorPosition | undefined,
  codec: CursorCodec,
  fingerprint: string,
): CursorPage<R> {
  const backwards = position?.direction === 'previous'
  const more = read.length > count
  const rows = read.slice(0, count)
  if (backwards) rows.reverse()
  const first = rows[0]
  const last = rows.at(-1)
  const cursor = (direction: 'next' | 'previous', row: R | undefined) =>
    codec.encode(fingerprint, row === undefined ? (position ?? { direction }) : { direction, row: place(row) })
  // RFC 9865 §2: nextCursor on every page but the last. A page of count 0 stays where it was.
  let nextCursor: string | undefined
  if (backwards ? last !== undefined : more) nextCursor = cursor('next', last)
  let previousCursor: string | undefined
  if (first !== undefined && (backwards ? more : position?.row !== undefined)) previousCursor = cursor('previous', first)
  return {
    rows,
    more,
    ...(nextCursor !== undefined && { nextCursor }),
    ...(previousCursor !== undefined && { previousCursor }),
  }
}
