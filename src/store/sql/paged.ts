import type { Page } from '../records/account.js'

/**
 * A page from rows read with `LIMIT limit + 1`: the extra row only says there is a next page,
 * which starts after the last row shown (its `seq`).
 */
export function paged<R extends { seq: number | string }, T>(rows: readonly R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit
  const shown = more ? rows.slice(0, limit) : rows
  const last = shown.at(-1)
  return more && last ? { items: shown.map(map), next: Number(last.seq) } : { items: shown.map(map) }
}
