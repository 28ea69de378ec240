/** Durable events, as the store keeps them (provisioning/events/ writes and reads them). */

export interface EventRecord {
  /** Per tenant, gap-free and increasing; sequence order is commit order. */
  readonly seq: number
  /** Unique across tenants: a consumer recognises a redelivery by it. */
  readonly id: string
  readonly tenantId: string
  /** e.g. `user.created`, `group.members.added`, `account.suspended` (docs/events.md). */
  readonly type: string
  readonly at: string
  /** What the event is about: `User`, `Group`, `Account`, `Team`, `Session`, `Token`, `Email`. */
  readonly resourceType: string | null
  readonly resourceId: string | null
  /** The request (CallContext.requestId) whose write caused it; null for background work. */
  readonly requestId: string | null
  /** The provisioning log entry (its seq, as text) of the SCIM write that caused it; null outside SCIM. */
  readonly logEntryId: string | null
  /** Type-specific: `changed` attributes, the new `state`, member ids, … */
  readonly data: Readonly<Record<string, unknown>>
}

/** An event before the store gives it its seq. */
export type NewEvent = Omit<EventRecord, 'seq' | 'tenantId'>
