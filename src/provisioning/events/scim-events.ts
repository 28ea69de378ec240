/**
 * The events of SCIM writes, as ResourceHooks wrapped around the tenant's other hooks (the
 * account lifecycle): the inner hooks' events (account.*, email.*) are collected and appended
 * with the write's own, once, after the inner hooks ran — the tenant's event counter is then
 * held for as short a time as the write allows.
 *
 * Every event of a write carries its request id and its provisioning log entry (`logEntryId`),
 * written by the inner hooks (log/hooks.ts) before the events are appended. A group update's
 * member events are held until `updated`, which writes that entry.
 */
import type { StoredResource, TenantTransaction } from '../../store/contract.js'
import type { NewEvent } from '../../store/records/event.js'
import type { CallContext } from '../call.js'
import type { MemberDelta, ResourceHooks } from '../resources.js'
import { logEntryIdOf } from '../log/hooks.js'
import { deferEvents, flushEvents, newEvent, type Cause } from './emit.js'

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

const causeOf = (tx: TenantTransaction, call: CallContext | undefined): Cause => ({
  requestId: requestIdOf(call),
  logEntryId: logEntryIdOf(tx, call),
})

/**
 * The causes of a batch of creates' events. An event is tied to one create when it names the
 * created resource (`resourceId`, `data.scimUserId`) or an account an earlier event tied to it
 * (`data.accountId`: the welcome email of the account the create made). Any other gets the
 * batch's request id when its creates share one, and its log entry when it has one entry.
 */
function batchCauses(tx: TenantTransaction, resources: readonly StoredResource[], calls: readonly (CallContext | undefined)[]): (event: NewEvent) => Cause {
  const byId = new Map<string, Cause>()
  resources.forEach((r, i) => byId.set(r.id, causeOf(tx, calls[i])))
  const requestIds = new Set(calls.map(requestIdOf))
  const shared: Cause = {
    requestId: requestIds.size === 1 ? [...requestIds][0]! : null,
    logEntryId: resources.length === 1 ? byId.get(resources[0]!.id)!.logEntryId : null,
  }
  return (event) => {
    const named = [event.resourceId, event.data.scimUserId, event.data.accountId].find((k) => typeof k === 'string' && byId.has(k))
    const cause = named === undefined ? undefined : byId.get(named as string)
    if (cause === undefined) return shared
    if (event.resourceType === 'Account' && event.resourceId !== null) byId.set(event.resourceId, cause)
    return cause
  }
}

/** `inner` (may be none) with the events of every write. */
export function eventHooks(inner?: ResourceHooks): ResourceHooks {
  /** Groups created in a transaction: their member events follow the create's entry at once. */
  const createdGroups = new WeakMap<TenantTransaction, Set<string>>()
  /** Member events of an update, until `updated` appends them with its own. */
  const heldMembers = new WeakMap<TenantTransaction, NewEvent[]>()
  const noteCreated = (tx: TenantTransaction, resource: StoredResource) => {
    if (resource.resourceType !== 'Group') return
    let ids = createdGroups.get(tx)
    if (ids === undefined) createdGroups.set(tx, (ids = new Set()))
    ids.add(resource.id)
  }
  return {
    async created(tx, resource, call) {
      deferEvents(tx)
      if (inner) await inner.created(tx, resource, call)
      noteCreated(tx, resource)
      const cause = causeOf(tx, call)
      await flushEvents(tx, [createdEvent(resource, call)], () => cause)
    },
    async createdMany(tx: TenantTransaction, resources, calls) {
      deferEvents(tx)
      if (inner?.createdMany) await inner.createdMany(tx, resources, calls)
      else if (inner) for (let i = 0; i < resources.length; i++) await inner.created(tx, resources[i]!, calls[i])
      for (const r of resources) noteCreated(tx, r)
      await flushEvents(tx, resources.map((r, i) => createdEvent(r, calls[i])), batchCauses(tx, resources, calls))
    },
    async updated(tx, before, after, call) {
      deferEvents(tx)
      const outcome = inner ? await inner.updated(tx, before, after, call) : 'keep'
      const own: NewEvent[] = heldMembers.get(tx) ?? []
      heldMembers.delete(tx)
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
      const cause = causeOf(tx, call)
      await flushEvents(tx, own, () => cause)
      return outcome
    },
    async deleting(tx, resource, call) {
      deferEvents(tx)
      if (inner) await inner.deleting(tx, resource, call)
      const cause = causeOf(tx, call)
      await flushEvents(tx, [deletedEvent(resource, call)], () => cause)
    },
    async membersChanged(tx, groupId, delta, call) {
      deferEvents(tx)
      if (inner) await inner.membersChanged(tx, groupId, delta, call)
      const events = memberEvents(groupId, delta, call)
      if (call !== undefined && !createdGroups.get(tx)?.has(groupId)) {
        // An update's (ResourceService calls `updated` next): its log entry is not written yet.
        heldMembers.set(tx, [...(heldMembers.get(tx) ?? []), ...events])
        return
      }
      const cause = causeOf(tx, call)
      await flushEvents(tx, events, () => cause)
    },
  }
}
