import type { Store } from '../store/contract.js'

/** How long one answer is reused: a load balancer probing every few ms costs one query a second. */
const CACHE_MS = 1000
/** A database that does not answer within this is unhealthy, whatever it answers later. */
const TIMEOUT_MS = 2000

/**
 * Whether the database answers a cheap query (the instance tenant, one index lookup). Answers
 * are cached for about a second, and concurrent callers share one query in flight.
 */
export function databaseHealth(store: Store, cacheMs = CACHE_MS, timeoutMs = TIMEOUT_MS): () => Promise<boolean> {
  let checked: { at: number; healthy: Promise<boolean> } | undefined
  const check = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs)
      timer.unref()
    })
    try {
      return await Promise.race([store.findTenant('instance', '').then(() => true, () => false), timeout])
    } finally {
      clearTimeout(timer)
    }
  }
  return () => {
    const now = Date.now()
    if (!checked || now - checked.at >= cacheMs) checked = { at: now, healthy: check() }
    return checked.healthy
  }
}
