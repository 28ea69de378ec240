/**
 * The events of SCIM writes, as ResourceHooks wrapped around the tenant's other hooks (the
 * account lifecycle): the inner hooks' events (account.*, email.*) are collected and appended
 * with the write's own, once, after the inner hooks ran — the tenant's event counter is then
 * held for as short a time as the write allows.
 */
import type { StoredResource, TenantTransaction } from '../../store/contract.js'
import type { NewEvent } from '../../store/records/event.js'
import type { CallContext } from '../call.js'
import type { MemberDelta, ResourceHooks } from '../resources.js'
import { deferEvents, flushEvents, newEvent } from './emit.js'

const prefix = (resource: StoredResource): 'user' | 'group' => (resource.resourceType === 'User' ? 'user' : 'group')

/** The resource as a client would read it, without derived attributes (groups, members). */
export function stateOf(resource: StoredResource): Record<string, unknown> {
  return {
    id: resource.id,
    ...resource.document,
    meta: { resourceType: resource.resourceType, created: resource.created, lastModified: resource.lastModified, version: `W/"${resource.version}"` },
  }
}

/** Top-level attributes (extension schemas count as one each) whose values differ. */
export function changedAttributes(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...names].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name])).sort()
}

const requestIdOf = (call: CallContext | undefined): string | null => call?.requestId ?? null

function createdEvent(resource: StoredResource, call: CallContext | undefined): NewEvent {
  return newEvent({
    type: `${prefix(resource)}.created`,
    resourceType: resource.resourceType,
    resourceId: resource.id,
    requestId: requestIdOf(call),
    data: { changed: Object.keys(resource.document).sort(), state: stateOf(resource) },
  })
}

function updatedType(before: StoredResource, after: StoredResource): string {
  if (after.resourceType === 'User') {
    const was = before.document.active !== false
    const is = after.document.active !== false
    if (was && !is) return 'user.deactivated'
    if (!was && is) return 'user.reactivated'
  }
  return `${prefix(after)}.updated`
}

function deletedEvent(resource: StoredResource, call: CallContext | undefined): NewEvent {
  return newEvent({
    type: `${prefix(resource)}.deleted`,
    resourceType: resource.resourceType,
    resourceId: resource.id,
    requestId: requestIdOf(call),
    data: { changed: [], state: null, last: stateOf(resource) },
  })
}

/** One event per direction per write, however many members it names. */
function memberEvents(groupId: string, delta: MemberDelta, call: CallContext | undefined): NewEvent[] {
  const events: NewEvent[] = []
  const base = { resourceType: 'Group', resourceId: groupId, requestId: requestIdOf(call) }
  if (delta.cleared || delta.removed.length) {
    events.push(newEvent({ ...base, type: 'group.members.removed', data: { all: delta.cleared, members: delta.removed } }))
  }
  if (delta.added.length) events.push(newEvent({ ...base, type: 'group.members.added', data: { all: false, members: delta.added } }))
  return events
}

/** The single requestId of a batch's calls, or null when they came from several requests. */
function batchRequestId(calls: readonly (CallContext | undefined)[]): string | null {
  const ids = new Set(calls.map(requestIdOf))
  return ids.size === 1 ? [...ids][0]! : null
}

/** `inner` (may be none) with the events of every write. */
export function eventHooks(inner?: ResourceHooks): ResourceHooks {
  return {
    async created(tx, resource, call) {
      deferEvents(tx)
      if (inner) await inner.created(tx, resource, call)
      await flushEvents(tx, [createdEvent(resource, call)], requestIdOf(call))
    },
    async createdMany(tx: TenantTransaction, resources, calls) {
      deferEvents(tx)
      if (inner?.createdMany) await inner.createdMany(tx, resources, calls)
      else if (inner) for (let i = 0; i < resources.length; i++) await inner.created(tx, resources[i]!, calls[i])
      await flushEvents(tx, resources.map((r, i) => createdEvent(r, calls[i])), batchRequestId(calls))
    },
    async updated(tx, before, after, call) {
      deferEvents(tx)
      const outcome = inner ? await inner.updated(tx, before, after, call) : 'keep'
      const own: NewEvent[] = []
      // A write that changed only members (their own events) or nothing is no update.
      const changed = before === after ? [] : changedAttributes(before.document, after.document)
      if (changed.length > 0) {
        own.push(
          newEvent({
            type: updatedType(before, after),
            resourceType: after.resourceType,
            resourceId: after.id,
            requestId: requestIdOf(call),
            data: { changed, state: stateOf(after) },
          }),
        )
      }
      // The write deletes the resource too (GitHub organization deprovisioning).
      if (outcome === 'remove') own.push(deletedEvent(after, call))
      await flushEvents(tx, own, requestIdOf(call))
      return outcome
    },
    async deleting(tx, resource, call) {
      deferEvents(tx)
      if (inner) await inner.deleting(tx, resource, call)
      await flushEvents(tx, [deletedEvent(resource, call)], requestIdOf(call))
    },
    async membersChanged(tx, groupId, delta, call) {
      deferEvents(tx)
      if (inner) await inner.membersChanged(tx, groupId, delta, call)
      await flushEvents(tx, memberEvents(groupId, delta, call), requestIdOf(call))
    },
  }
}
