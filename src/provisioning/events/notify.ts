/**
 * Wakes this process's long-polls (feed.ts) when one of its transactions appends events. The
 * append is not yet committed then, so a woken reader looks a few times in quick succession
 * (feed.ts); other processes' commits are found by polling.
 */
import { EventEmitter } from 'node:events'

const appended = new EventEmitter()
appended.setMaxListeners(0)

export function notifyEvents(tenantId: string): void {
  appended.emit(tenantId)
}

export function onEvents(tenantId: string, listener: () => void): () => void {
  appended.on(tenantId, listener)
  return () => appended.off(tenantId, listener)
}
