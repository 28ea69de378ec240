/**
 * The durable events (docs/events.md) as a host application's handlers receive them: one
 * type per event `type`, so `switch (event.type)` narrows `data`. These describe what the
 * emitters (provisioning/events/, accounts/, teams/) write; the rows are the store's
 * `EventRecord`s, unchanged.
 */
import type { EventRecord } from '../store/records/event.js'

/** A SCIM resource as written (`id`, its attributes, `meta`), without `groups`/`members`. */
export interface ResourceState {
  readonly id: string
  readonly meta: { readonly resourceType: 'User' | 'Group'; readonly created: string; readonly lastModified: string; readonly version: string }
  readonly [attribute: string]: unknown
}

export interface TeamState {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly parentId: string | null
  readonly groupId: string | null
}

/** Fields every event has; `type`, `resourceType` and `data` are narrowed per event below. */
interface EventShape<Type extends string, ResourceType extends string, Data> extends Omit<EventRecord, 'type' | 'resourceType' | 'data'> {
  readonly type: Type
  readonly resourceType: ResourceType
  readonly data: Data
}

/** One member of the union per type (distributive), so `Extract` and `switch` narrow to each. */
type Event<Type extends string, ResourceType extends string, Data> = Type extends string ? EventShape<Type, ResourceType, Data> : never

interface Written {
  /** Top-level attributes given (created) or whose value changed (updated). */
  readonly changed: readonly string[]
  readonly state: ResourceState
}

interface Deleted<State> {
  readonly changed: readonly []
  readonly state: null
  /** The resource before it was deleted. */
  readonly last: State
}

interface MembersChanged {
  /** The member ids this request added or removed. */
  readonly members: readonly string[]
  /** Every member was removed (a replace of `members`, or a remove without a filter). */
  readonly all: boolean
}

export type UserEvent =
  | Event<'user.created' | 'user.updated' | 'user.deactivated' | 'user.reactivated', 'User', Written>
  | Event<'user.deleted', 'User', Deleted<ResourceState>>

export type GroupEvent =
  | Event<'group.created' | 'group.updated', 'Group', Written>
  | Event<'group.deleted', 'Group', Deleted<ResourceState>>
  | Event<'group.members.added' | 'group.members.removed', 'Group', MembersChanged>

/** Who changed an account: a SCIM client, or an administrator (admin API, CLI). */
type By = 'scim' | 'admin'

export type AccountEvent =
  | Event<'account.created', 'Account', { readonly login: string; readonly by: By; readonly scimUserId?: string }>
  | Event<'account.linked', 'Account', { readonly scimUserId: string; readonly login: string }>
  | Event<'account.suspended', 'Account', { readonly by: By; readonly login?: string; readonly revokedCredentials: number; readonly leftTeams: number }>
  | Event<'account.unsuspended', 'Account', { readonly by: By; readonly login?: string; readonly joinedTeams: number }>
  | Event<'account.renamed', 'Account', { readonly from: string; readonly to: string; readonly by?: By }>
  | Event<'account.roles', 'Account', { readonly from: readonly string[]; readonly to: readonly string[]; readonly by?: By }>
  | Event<'account.removed', 'Account', { readonly scimUserId: string | null; readonly revokedCredentials: number; readonly leftTeams: number }>
  | Event<'account.deleted', 'Account', { readonly by: By; readonly deletedCredentials: number; readonly leftTeams: number }>

type TeamMembersChanged =
  | { readonly source: 'manual'; readonly members: readonly string[] }
  | { readonly source: 'manual' | 'reconciliation'; readonly count: number }
  | { readonly source: 'group'; readonly count: number; readonly groupId: string | null }

export type TeamEvent =
  | Event<'team.created', 'Team', { readonly state: TeamState }>
  | Event<'team.updated', 'Team', { readonly changed: readonly string[]; readonly state: TeamState }>
  | Event<'team.deleted', 'Team', Deleted<TeamState>>
  | Event<'team.linked' | 'team.unlinked', 'Team', { readonly groupId: string | null }>
  | Event<'team.members.added' | 'team.members.removed', 'Team', TeamMembersChanged>

/** Sessions and personal access tokens (`Token`), one credential per event. */
export type CredentialEvent =
  | Event<'session.created' | 'token.created', 'Session' | 'Token', { readonly accountId: string; readonly name: string; readonly expiresAt: string | null }>
  | Event<'session.revoked' | 'token.revoked', 'Session' | 'Token', { readonly accountId: string; readonly name: string }>
  | Event<
      'credentials.revoked',
      'Account',
      { readonly accountId: string; readonly count: number; readonly createdUpTo: string; readonly reason: 'suspended' | 'removed' }
    >

/** What every email event says of its message (the body is not in the event). */
interface EmailDetails {
  readonly template: string
  readonly recipient: string
  readonly accountId: string | null
  readonly invitationId: string | null
  /** Delivery attempts made, this one included. */
  readonly attempts: number
}

/** The end of a message's delivery: accepted by the mail server, or given up on (with why). */
export type EmailEvent = Event<'email.sent', 'Email', EmailDetails> | Event<'email.failed', 'Email', EmailDetails & { readonly error: string }>

/** Every event Roster records, discriminated by `type`. */
export type RosterEvent = UserEvent | GroupEvent | AccountEvent | TeamEvent | CredentialEvent | EmailEvent

export type RosterEventType = RosterEvent['type']

/** The event of one type, e.g. `EventOfType<'user.deactivated'>`. */
export type EventOfType<T extends RosterEventType> = Extract<RosterEvent, { type: T }>

/** A record keyed by every type: the compiler says when one is added to the union and not here. */
const TYPES: Readonly<Record<RosterEventType, true>> = {
  'user.created': true,
  'user.updated': true,
  'user.deactivated': true,
  'user.reactivated': true,
  'user.deleted': true,
  'group.created': true,
  'group.updated': true,
  'group.deleted': true,
  'group.members.added': true,
  'group.members.removed': true,
  'account.created': true,
  'account.linked': true,
  'account.suspended': true,
  'account.unsuspended': true,
  'account.renamed': true,
  'account.roles': true,
  'account.removed': true,
  'account.deleted': true,
  'team.created': true,
  'team.updated': true,
  'team.deleted': true,
  'team.linked': true,
  'team.unlinked': true,
  'team.members.added': true,
  'team.members.removed': true,
  'session.created': true,
  'session.revoked': true,
  'token.created': true,
  'token.revoked': true,
  'credentials.revoked': true,
  'email.sent': true,
  'email.failed': true,
}

/**
 * Every event type Roster records, for `onEvent`'s `types` option to be checked against: a
 * misspelt type would otherwise select nothing, silently.
 */
export const EVENT_TYPES: readonly RosterEventType[] = Object.keys(TYPES) as RosterEventType[]

/** A stored event as the typed union (the store's rows are what the emitters above write). */
export const asRosterEvent = (record: EventRecord): RosterEvent => record as unknown as RosterEvent
