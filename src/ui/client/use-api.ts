/** Loading data from the admin API with its three states, and walking paged lists by cursor. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { api, withQuery } from './api.js'
import type { Page } from './types.js'

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; data: T }

/** GETs `path` (null: nothing yet); `reload` reads it again. */
export function useGet<T>(path: string | null): Loaded<T> & { reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  const [round, setRound] = useState(0)
  const shown = useRef<string | null>(null)
  useEffect(() => {
    if (path === null) return undefined
    let current = true
    // A reload of what is shown keeps showing it until the fresh copy arrives: forms under it
    // keep their state (a "saved" message, focus). Another path starts from loading.
    if (shown.current !== path) setLoaded({ state: 'loading' })
    shown.current = path
    api<T>('GET', path).then(
      (data) => current && setLoaded({ state: 'ready', data }),
      (error: unknown) => current && setLoaded({ state: 'error', error }),
    )
    return () => {
      current = false
    }
  }, [path, round])
  const reload = useCallback(() => setRound((r) => r + 1), [])
  return { ...loaded, reload }
}

export interface Paged<T> {
  readonly loaded: Loaded<Page<T>>
  readonly page: number
  readonly hasPrev: boolean
  readonly hasNext: boolean
  next(): void
  prev(): void
  reload(): void
}

/**
 * One page at a time of a list at `path` (its own query included): the cursors of the pages
 * seen are kept so Previous goes back without the API having to page backwards. A new path
 * (a new filter, a new sort) starts again at the first page.
 */
export function usePaged<T>(path: string | null, limit = 25): Paged<T> {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  useEffect(() => setCursors([undefined]), [path])
  const cursor = cursors[cursors.length - 1]
  const url = path === null ? null : withQuery(path, { limit, cursor })
  const got = useGet<Page<T>>(url)
  const nextCursor = got.state === 'ready' ? got.data.nextCursor : undefined
  return {
    loaded: got,
    page: cursors.length,
    hasPrev: cursors.length > 1,
    hasNext: nextCursor !== undefined,
    next: () => nextCursor !== undefined && setCursors((c) => [...c, nextCursor]),
    prev: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reload: got.reload,
  }
}
