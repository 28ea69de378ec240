/**
 * The pull feed: a tenant's events after a seq, at once or by long-poll. Seq order is
 * visibility order (store/sql/event-queries.ts), so a consumer that keeps the last seq it
 * processed and asks for what follows never misses an event nor sees one twice.
 *
 * A long-poll must notice events any process numbers (`--workers`, several hosts on one
 * PostgreSQL), so it reads the database every POLL_MS; events this process numbers wake it at
 * once (Store.onEvents: they are committed with their seqs by then).
 */
import type { Store } from '../../store/contract.js'
import type { EventRecord } from '../../store/records/event.js'

export const POLL_MS = 250

export interface FeedQuery {
  readonly after: number
  readonly limit: number
  /** Seconds to wait for a first event; 0 answers at once. */
  readonly waitSeconds: number
}

export async function readEvents(store: Store, tenantId: string, query: FeedQuery, signal?: AbortSignal): Promise<EventRecord[]> {
  const read = () => store.eventFeed.list(tenantId, query.after, query.limit)
  if (query.waitSeconds <= 0) return read()
  // Listening before the first read: events numbered while a read runs are not slept through.
  let numbered = false
  let wake: (() => void) | undefined
  const off = store.onEvents(tenantId, () => {
    numbered = true
    wake?.()
  })
  const onAbort = () => wake?.()
  signal?.addEventListener('abort', onAbort)
  try {
    let events = await read()
    const deadline = Date.now() + query.waitSeconds * 1000
    while (events.length === 0 && !signal?.aborted) {
      const left = deadline - Date.now()
      if (left <= 0) break
      if (!numbered) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(left, POLL_MS))
          function done() {
            clearTimeout(timer)
            wake = undefined
            resolve()
          }
          wake = done
        })
      }
      numbered = false
      events = await read()
    }
    return events
  } finally {
    off()
    signal?.removeEventListener('abort', onAbort)
  }
}
