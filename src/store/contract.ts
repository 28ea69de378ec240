/**
 * The storage contract. Every store (SQLite, PostgreSQL) implements it and passes the same
 * behavioural suite (test/store/store-contract-suite.ts). Nothing above this boundary knows which
 * database it talks to.
 *
 * Conventions:
 * - Timestamps are ISO 8601 UTC strings with milliseconds (`Date.prototype.toISOString()`), so
 *   they sort and compare as text.
 * - A stored document is the canonical SCIM document *without* `id`, `meta` and derived
 *   attributes (`User.groups`, `Group.members`): those live in columns and the membership table.
 * - Everything about resources is reached through `forTenant()`, which scopes every query by
 *   tenant id: there is no way to read another tenant's data through a `TenantStore`.
 * - Errors a client caused are thrown as `ScimError` (409 `uniqueness`); anything else is a bug
 *   or an outage and propagates as is.
 */
import type { AttrPath, Filter } from '../scim/filter/ast.js'
import type { ResourceSchema } from '../scim/schema/resource-schema.js'
import type { AccountQueries } from './sql/account-queries.js'
import type { AdminSessionQueries } from './sql/admin-session-queries.js'
import type { AdminTokenQueries } from './sql/admin-token-queries.js'
import type { ConsumerQueries } from './sql/consumer-queries.js'
import type { EventFeed, EventQueries } from './sql/event-queries.js'
import type { InvitationQueries } from './sql/invitation-queries.js'
import type { OutboxDelivery, OutboxQueries } from './sql/outbox-queries.js'
import type { ProvisioningLogQueries } from './sql/provisioning-log-queries.js'
import type { WebhookQueries } from './sql/webhook-queries.js'
import type { Runnable } from './sql/runnable.js'
import type { TeamQueries } from './sql/team-queries.js'

export type TenantKind = 'organization' | 'enterprise' | 'instance'

export interface Tenant {
  readonly id: string
  readonly kind: TenantKind
  /** Empty for the instance tenant. */
  readonly slug: string
  readonly createdAt: string
  /**
   * The settings stored for the tenant, as written: provisioning/tenant-settings.ts knows
   * their meaning and the defaults of those left out.
   */
  readonly settings: TenantSettingsRecord
}

export type TenantSettingsRecord = Readonly<Record<string, unknown>>

export interface TokenRecord {
  readonly id: string
  readonly tenantId: string
  readonly name: string
  /** Hex SHA-256 of the whole token; the token itself is never stored. */
  readonly hash: string
  /** The first characters of the token, safe to show in listings. */
  readonly hint: string
  readonly createdAt: string
  readonly expiresAt: string | null
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

export type ResourceTypeId = 'User' | 'Group'

export interface StoredResource {
  readonly id: string
  readonly resourceType: ResourceTypeId
  /** Bumped by one on every write; the ETag is `W/"<version>"`. */
  readonly version: number
  readonly created: string
  readonly lastModified: string
  readonly document: Record<string, unknown>
  /**
   * `document` as JSON text exactly as the store holds it (`JSON.stringify(document)` when
   * written), where the store reads it as text anyway (SQLite): a reader that sends the
   * document on can splice it instead of serialising the objects again. It describes
   * `document` as read; whoever changes `document` must not use it afterwards.
   */
  readonly documentJson?: string
}

export interface NewResource {
  readonly id: string
  readonly resourceType: ResourceTypeId
  readonly created: string
  readonly lastModified: string
  readonly document: Record<string, unknown>
}

export interface ResourceUpdate {
  readonly id: string
  readonly resourceType: ResourceTypeId
  readonly lastModified: string
  readonly document: Record<string, unknown>
}

export interface ListQuery {
  /** Already parsed; attributes not in `schema` must be rejected with 400 `invalidFilter`. */
  readonly filter?: Filter
  readonly sortBy?: AttrPath
  readonly sortOrder?: 'ascending' | 'descending'
  /** 1-based (RFC 7644 §3.4.2.4). */
  readonly startIndex: number
  /** 0 asks only for `totalResults`. */
  readonly count: number
  /**
   * RFC 9865 cursor pagination instead of `startIndex`: '' starts a walk, otherwise a
   * `nextCursor`/`previousCursor` this store gave for the same tenant, type, filter and sort.
   * A cursor that fails its check is 400 `invalidCursor`; one past its lifetime `expiredCursor`.
   */
  readonly cursor?: string
  /**
   * Also read the direct groups of every listed resource (`ListResult.groups`), exactly as
   * `groupsOf` gives them: a lookup that shows `User.groups` is then one call to the store.
   */
  readonly groups?: boolean
}

export interface ListResult {
  readonly totalResults: number
  readonly resources: StoredResource[]
  /** Cursor pages only: absent on the last page (RFC 9865 §2). */
  readonly nextCursor?: string
  /** Cursor pages only: absent on the first page. */
  readonly previousCursor?: string
  /** With `ListQuery.groups` (and only then): `groups[i]` are the direct groups of `resources[i]`. */
  readonly groups?: GroupMembership[][]
}

/** A direct member of a group, as `Group.members` shows it. */
export interface Member {
  readonly value: string
  readonly type: ResourceTypeId
  /** The member's `displayName` (or `userName` for a User without one). */
  readonly display?: string
}

/**
 * Where a walk of one group's members stands (`ResourceReader.memberPage`). Opaque above the
 * store: pass it back unchanged, for the same group.
 */
export interface MemberPosition {
  /** The seq of the last membership row read. */
  readonly after: number
  /** The group's last seq when the walk began: rows added later are not part of the walk. */
  readonly until: number
}

export interface MemberPage {
  readonly members: Member[]
  /** Where the next page starts; absent when the walk is complete. */
  readonly next?: MemberPosition
}

/** A group a user belongs to, as `User.groups` shows it. */
export interface GroupMembership {
  readonly value: string
  readonly display?: string
  readonly type: 'direct' | 'indirect'
}

export interface ResourceReader {
  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined>
  /** Which of `ids` exist in this tenant, and as what. Unknown ids are absent from the map. */
  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>>
  /** Direct members in the order they were added. */
  members(groupId: string): Promise<Member[]>
  /**
   * Up to `limit` direct members in the order they were added, from the start of the list
   * (`after` undefined) or from a position an earlier page gave, so a huge group can be read
   * in bounded memory. Each page is a read of its own, not one snapshot. A walk covers the rows
   * that existed when its first page was read: every member present throughout the walk
   * appears once; one removed before its page is read is absent; one added during the walk is
   * not shown, and neither is a member's row that was removed and added again — so no member
   * appears twice. That holds when a group's rows become visible in seq order and seqs are
   * never reused (ResourceService locks the group for every membership change); SQLite
   * reuses the seq of the highest rows after they are deleted (see docs/design.md).
   * `limit` must be a positive integer (TypeError otherwise).
   */
  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage>
  /** How many direct members the group has (0 for an unknown group): one count on the group's index, no rows read out. */
  memberCount(groupId: string): Promise<number>
  /**
   * Of the group's direct members after membership position `after`, the first `limit` (in
   * membership order) are examined: how many of them are users whose accounts are active (a
   * linked team's members), and the position to go on from (undefined: none left). A large
   * group is counted in steps of bounded cost.
   */
  activeMemberCount(groupId: string, after: number, limit: number): Promise<{ count: number; next: number | undefined }>
  /** Direct memberships of each given resource (user or group). Missing ids map to []. */
  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>>
}

export interface TenantTransaction extends ResourceReader {
  /**
   * Like `ResourceReader.get`, and it locks the row until the transaction ends (PostgreSQL
   * `FOR NO KEY UPDATE`; SQLite holds the write lock for the whole transaction), so a
   * read-modify-write cannot lose a concurrent write.
   */
  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined>
  /** Version 1. Throws 409 `uniqueness` when `userName` (case-insensitive) is taken. */
  insert(resource: NewResource): Promise<StoredResource>
  /**
   * Writes when the stored version equals `expectedVersion` and returns the new row (version + 1);
   * returns undefined when the version differs or the row is gone. Throws 409 `uniqueness` like
   * `insert`.
   */
  update(resource: ResourceUpdate, expectedVersion: number): Promise<StoredResource | undefined>
  /** Deletes the resource and every membership row that names it. */
  delete(type: ResourceTypeId, id: string): Promise<boolean>
  /** Idempotent: members already present are left alone. Returns how many were added. */
  addMembers(groupId: string, members: readonly { value: string; type: ResourceTypeId }[]): Promise<number>
  /** Returns how many were removed; absent values are ignored. */
  removeMembers(groupId: string, values: readonly string[]): Promise<number>
  clearMembers(groupId: string): Promise<number>

  /**
   * `TenantStore.list` inside the transaction: it sees the transaction's own writes (the
   * admin API's connection test lists the probe user it created and never commits).
   */
  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult>

  /** The tenant as stored now (its settings may have changed since the store was opened). */
  currentTenant(): Promise<Tenant>
  /** Replaces the tenant's settings, with the rest of the transaction. */
  updateTenantSettings(settings: TenantSettingsRecord): Promise<Tenant>
  /** Accounts, their history, credentials and SCIM identities. */
  readonly accounts: Runnable<AccountQueries>
  readonly teams: Runnable<TeamQueries>
  readonly invitations: Runnable<InvitationQueries>
  readonly outbox: Runnable<OutboxQueries>
  /** The provisioning log: entries commit with the write they record. */
  readonly provisioningLog: Runnable<ProvisioningLogQueries>
  /** Durable events (provisioning/events/): append in the transaction of the change. */
  readonly events: Runnable<EventQueries>
}

export interface TenantStore extends ResourceReader {
  readonly tenant: Tenant
  /** Filter, sort and page, all in the database. */
  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult>
  /**
   * Runs `fn` in one transaction: everything it writes commits together or not at all. Writes
   * of concurrent transactions on the same rows are serialised.
   */
  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T>
  /**
   * `transaction((tx) => tx.insert(resource))`, as cheaply as the database allows: creating a
   * user is the commonest write. On PostgreSQL, inserts of one (tenant, type) commit one at a
   * time (seq order is visibility order), so concurrent ones are batched into one statement.
   *
   * `after` runs in the same transaction once the resource is inserted (an account for a new
   * user): its writes commit with the resource or not at all, and if it throws, the create
   * fails with its error and writes nothing. On PostgreSQL concurrent creates with `after` are
   * batched into one transaction too; should one `after` fail, each create of that batch runs
   * again alone, so each gets its own answer. `after` must therefore do database work only.
   */
  insert(resource: NewResource, after?: AfterInsert): Promise<StoredResource>
}

/**
 * Work that a create does in its transaction once its resource is in (`TenantStore.insert`).
 * `many`, when given, does the same for several creates at once (set-based statements): a
 * batch whose creates share one `many` calls it once instead of the function for each.
 */
export type AfterInsert = ((tx: TenantTransaction, inserted: StoredResource) => Promise<void>) & {
  /** `batch[i].after` is the `AfterInsert` of the create that inserted `batch[i].inserted`. */
  readonly many?: (tx: TenantTransaction, batch: readonly { inserted: StoredResource; after: AfterInsert }[]) => Promise<void>
  /** What the caller needs `many` to know of each create (the store only carries it). */
  readonly context?: unknown
}

/** What `Store.migrate()` did: the schema version it found (0: none) and the one it left. */
export interface MigrationResult {
  readonly from: number
  readonly to: number
}

export interface Store {
  /**
   * Creates or upgrades the schema; safe to call on every start. Refuses a schema newer than
   * this code knows.
   */
  migrate(): Promise<MigrationResult>
  /** The newest schema version this code builds (what `migrate()` brings a database to). */
  readonly latestSchemaVersion: number
  /** The schema version the database holds, without changing it; undefined: no Roster schema. */
  schemaVersion(): Promise<number | undefined>
  close(): Promise<void>

  /** Throws 409 `uniqueness` when (kind, slug) exists. */
  createTenant(kind: Exclude<TenantKind, 'instance'>, slug: string, settings?: TenantSettingsRecord): Promise<Tenant>
  /** Replaces the tenant's settings (and tells `onTenantChange` listeners); undefined when there is no such tenant. */
  updateTenantSettings(id: string, settings: TenantSettingsRecord): Promise<Tenant | undefined>
  /**
   * Tells this process's listeners that a tenant changed (after a transaction that changed it
   * committed), so caches of tenant records need not wait for their expiry. Other processes
   * see the change when their caches expire.
   */
  tenantChanged(tenantId: string): void
  onTenantChange(listener: (tenantId: string) => void): void
  /** The instance tenant has slug ''. It always exists after `migrate()`. */
  findTenant(kind: TenantKind, slug: string): Promise<Tenant | undefined>
  getTenant(id: string): Promise<Tenant | undefined>
  listTenants(): Promise<Tenant[]>

  insertToken(token: TokenRecord): Promise<void>
  findTokenByHash(hash: string): Promise<TokenRecord | undefined>
  listTokens(tenantId?: string): Promise<TokenRecord[]>
  /** Returns false when there is no such token or it was revoked already. */
  revokeToken(id: string, at: string): Promise<boolean>
  markTokenUsed(id: string, at: string): Promise<void>

  forTenant(tenant: Tenant): TenantStore

  /** Admin API tokens (of the instance or of one tenant). */
  readonly adminTokens: Runnable<AdminTokenQueries>
  /** Admin UI sessions, each acting as an admin token. */
  readonly adminSessions: Runnable<AdminSessionQueries>
  /** The email sender's view of every tenant's outbox. */
  readonly outboxDelivery: Runnable<OutboxDelivery>
  /** Every tenant's durable events, read outside transactions. */
  readonly eventFeed: Runnable<EventFeed>
  /**
   * Calls `listener` each time events of the tenant become readable through this process: its
   * own writes' events once committed with their seqs. Other processes' events are not
   * announced (poll for them). Returns the function that stops the calls.
   */
  onEvents(tenantId: string, listener: () => void): () => void
  /**
   * Gives seqs to the events any process committed that have none yet (on PostgreSQL writers
   * leave that to a sequencer, event-queries.ts); resolves when done. Every server process
   * calls it periodically (ROSTER_EVENTS_SEQUENCE_MS), which also finishes what a process that
   * died between a commit and its sequencing left.
   */
  sequenceEvents(): Promise<void>
  /** Named in-process event consumers' positions and leases (library/event-consumer.ts). */
  readonly eventConsumers: Runnable<ConsumerQueries>
  /** Webhook endpoints of every tenant and their delivery log (provisioning/webhooks/). */
  readonly webhooks: Runnable<WebhookQueries>
}
