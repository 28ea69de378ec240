/**
 * The provisioning log's part of every SCIM write (docs/provisioning-log.md): a `ResourceHooks`
 * that appends the write's entry in the write's transaction, so the entry commits with the
 * change or not at all. One entry per write: a group's member changes, reported before
 * `updated`, are held until `updated` writes the entry; those of a create are read with it.
 *
 * Status is what the operation answers: 201 create, 200 replace or patch, 204 delete. A group
 * PATCH the route answers 204 (Entra expects no body) is logged 200, like a user PATCH: the
 * write cannot see how the route will answer.
 *
 * The entry's seq, which the INSERT returns, is kept for the rest of the transaction by call:
 * the write's events, appended last (events/scim-events.ts), carry it as their `logEntryId`.
 */
import type { StoredResource, TenantTransaction } from '../../store/contract.js'
import type { NewLogEntry } from '../../store/records/provisioning-log.js'
import type { CallContext } from '../call.js'
import type { MemberDelta, ResourceHooks } from '../resources.js'
import { documentChanges, memberChange } from './diff.js'
import { writeEntry } from './entry.js'

interface Pending {
  /** Groups created in this transaction: their members are in the create's entry already. */
  readonly created: Set<string>
  /** Member changes of groups, until `updated` writes their entry. */
  readonly deltas: Map<string, MemberDelta>
}

/** Entry ids by transaction and by the call whose entry it is (a call is one write; a Bulk operation has its own). */
const entryIds = new WeakMap<TenantTransaction, Map<CallContext, string>>()

function noteEntry(tx: TenantTransaction, call: CallContext, seq: number): void {
  let ids = entryIds.get(tx)
  if (ids === undefined) entryIds.set(tx, (ids = new Map()))
  ids.set(call, String(seq))
}

/** The id of the entry `call` wrote in `tx` (its seq, as text), or null when it wrote none (yet). */
export function logEntryIdOf(tx: TenantTransaction, call: CallContext | undefined): string | null {
  return call === undefined ? null : (entryIds.get(tx)?.get(call) ?? null)
}

export class ProvisioningLogHooks implements ResourceHooks {
  readonly #pending = new WeakMap<TenantTransaction, Pending>()

  #of(tx: TenantTransaction): Pending {
    let pending = this.#pending.get(tx)
    if (pending === undefined) this.#pending.set(tx, (pending = { created: new Set(), deltas: new Map() }))
    return pending
  }

  async #created(tx: TenantTransaction, resource: StoredResource, call: CallContext): Promise<NewLogEntry> {
    const changes = documentChanges(undefined, resource.document)
    if (resource.resourceType === 'Group') {
      this.#of(tx).created.add(resource.id)
      const members = await tx.members(resource.id)
      const change = memberChange({ added: members.map((m) => m.value), removed: [], cleared: false })
      if (change) changes.push(change)
    }
    return writeEntry(call, 201, resource, changes)
  }

  async created(tx: TenantTransaction, resource: StoredResource, call: CallContext | undefined): Promise<void> {
    if (call === undefined) return
    noteEntry(tx, call, await tx.provisioningLog.append(await this.#created(tx, resource, call)))
  }

  /** The creates of one PostgreSQL batch: one INSERT for all their entries. */
  async createdMany(tx: TenantTransaction, resources: readonly StoredResource[], calls: readonly (CallContext | undefined)[]): Promise<void> {
    const entries: NewLogEntry[] = []
    const callsOf: CallContext[] = []
    for (let i = 0; i < resources.length; i++) {
      const call = calls[i]
      if (call === undefined) continue
      entries.push(await this.#created(tx, resources[i]!, call))
      callsOf.push(call)
    }
    const seqs = await tx.provisioningLog.appendMany(entries)
    seqs.forEach((seq, i) => noteEntry(tx, callsOf[i]!, seq))
  }

  async updated(tx: TenantTransaction, before: StoredResource, after: StoredResource, call: CallContext | undefined): Promise<'keep'> {
    if (call === undefined) return 'keep'
    const changes = before === after ? [] : documentChanges(before.document, after.document)
    const pending = this.#pending.get(tx)
    const delta = pending?.deltas.get(after.id)
    if (delta) {
      pending!.deltas.delete(after.id)
      const change = memberChange(delta)
      if (change) changes.push(change)
    }
    noteEntry(tx, call, await tx.provisioningLog.append(writeEntry(call, 200, after, changes)))
    return 'keep'
  }

  async deleting(tx: TenantTransaction, resource: StoredResource, call: CallContext | undefined): Promise<void> {
    if (call === undefined) return
    noteEntry(tx, call, await tx.provisioningLog.append(writeEntry(call, 204, resource, documentChanges(resource.document, undefined))))
  }

  async membersChanged(tx: TenantTransaction, groupId: string, delta: MemberDelta, call: CallContext | undefined): Promise<void> {
    if (call === undefined) return
    const pending = this.#of(tx)
    if (pending.created.has(groupId)) return
    const held = pending.deltas.get(groupId)
    if (held === undefined) {
      pending.deltas.set(groupId, { added: [...delta.added], removed: [...delta.removed], cleared: delta.cleared })
      return
    }
    if (delta.cleared) {
      held.cleared = true
      held.added.length = 0
    }
    held.added.push(...delta.added)
    held.removed.push(...delta.removed)
  }
}
