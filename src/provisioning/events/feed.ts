/**
 * The pull feed: a tenant's events after a seq, at once or by long-poll. Seq order is commit
 * order (store/sql/event-queries.ts), so a consumer that keeps the last seq it processed and
 * asks for what follows never misses an event nor sees one twice.
 *
 * A long-poll must notice events any process commits (`--workers`, several hosts on one
 * PostgreSQL), so it reads the database every POLL_MS. This process's own appends wake it at
 * once; they are not committed yet when it wakes, so it then looks every QUICK_MS a few times.
 */
import type { Store } from '../../store/contract.js'
import type { EventRecord } from '../../store/records/event.js'
import { onEvents } from './notify.js'

export const POLL_MS = 250
const QUICK_MS = 5
const QUICK_LOOKS = 40

export interface FeedQuery {
  readonly after: number
  readonly limit: number
  /** Seconds to wait for a first event; 0 answers at once. */
  readonly waitSeconds: number
}

export async function readEvents(store: Store, tenantId: string, query: FeedQuery, signal?: AbortSignal): Promise<EventRecord[]> {
  const read = () => store.eventFeed.list(tenantId, query.after, query.limit)
  let events = await read()
  if (events.length > 0 || query.waitSeconds <= 0) return events
  const deadline = Date.now() + query.waitSeconds * 1000
  let quick = 0
  let wake: (() => void) | undefined
  const off = onEvents(tenantId, () => {
    quick = QUICK_LOOKS
    wake?.()
  })
  const onAbort = () => wake?.()
  signal?.addEventListener('abort', onAbort)
  try {
    while (events.length === 0 && !signal?.aborted) {
      const left = deadline - Date.now()
      if (left <= 0) break
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, quick > 0 ? QUICK_MS : POLL_MS))
        function done() {
          clearTimeout(timer)
          wake = undefined
          resolve()
        }
        wake = done
      })
      if (quick > 0) quick--
      events = await read()
    }
    return events
  } finally {
    off()
    signal?.removeEventListener('abort', onAbort)
  }
}
