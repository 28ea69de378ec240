/**
 * Writing durable events in the transaction of the change that causes them (the store gives
 * each its seq, at once or soon after the commit: store/sql/event-queries.ts).
 *
 * Inside a SCIM write (eventHooks) events are collected and appended once, after every other
 * hook has run: one insert per write whatever its effects. Elsewhere (admin API, background
 * work) they are appended at once.
 */
import { randomUUID } from 'node:crypto'
import type { TenantTransaction } from '../../store/contract.js'
import type { NewEvent } from '../../store/records/event.js'
import { settingsOf } from '../tenant-settings.js'
import { countWritten } from './metrics.js'

export interface EventInput {
  readonly type: string
  readonly resourceType: string | null
  readonly resourceId: string | null
  readonly data: Readonly<Record<string, unknown>>
  readonly requestId?: string | null
  readonly at?: string
}

export const newEvent = (input: EventInput): NewEvent => ({
  id: randomUUID(),
  type: input.type,
  at: input.at ?? new Date().toISOString(),
  resourceType: input.resourceType,
  resourceId: input.resourceId,
  requestId: input.requestId ?? null,
  logEntryId: null,
  data: input.data,
})

/** Transactions inside a SCIM write: their events wait for `flushEvents`. */
const deferred = new WeakMap<TenantTransaction, NewEvent[]>()

/** Events emitted in `tx` are collected until `flushEvents(tx)`. */
export function deferEvents(tx: TenantTransaction): void {
  if (!deferred.has(tx)) deferred.set(tx, [])
}

/** Appends `events` now, or collects them when the transaction defers its events. */
export async function emitEvents(tx: TenantTransaction, events: readonly EventInput[]): Promise<void> {
  if (events.length === 0) return
  const made = events.map(newEvent)
  const pending = deferred.get(tx)
  if (pending) pending.push(...made)
  else await append(tx, made)
}

export const emitEvent = (tx: TenantTransaction, event: EventInput): Promise<void> => emitEvents(tx, [event])

/** What caused events: the request, and the provisioning log entry of the write. */
export interface Cause {
  readonly requestId: string | null
  readonly logEntryId: string | null
}

/**
 * Appends `first` and then what was collected in `tx`, in one append, and stops deferring.
 * Events without a request id or log entry get those of `causeOf(event)`, called in order.
 */
export async function flushEvents(tx: TenantTransaction, first: readonly NewEvent[], causeOf: (event: NewEvent) => Cause): Promise<void> {
  const pending = deferred.get(tx) ?? []
  deferred.delete(tx)
  const events = [...first, ...pending].map((e) => {
    if (e.requestId !== null && e.logEntryId !== null) return e
    const cause = causeOf(e)
    return { ...e, requestId: e.requestId ?? cause.requestId, logEntryId: e.logEntryId ?? cause.logEntryId }
  })
  await append(tx, events)
}

async function append(tx: TenantTransaction, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return
  // Read in the transaction (once per transaction): a change of the setting applies at once.
  if (!settingsOf(await tx.currentTenant()).events) return
  await tx.events.append(events)
  countWritten(events)
}
