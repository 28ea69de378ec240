/**
 * What every SQL store does the same way above its connection: the `Store` methods for tenants
 * and tokens, the tenant store's reads, and the transaction's view. A store supplies only how
 * it runs work (`Work<T>`, statement.ts) — at once on SQLite, over a pool on PostgreSQL — and
 * its own connection, transaction and insert strategies.
 */
import { EventEmitter } from 'node:events'
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import type {
  GroupMembership,
  ListQuery,
  ListResult,
  Member,
  MemberPage,
  MemberPosition,
  NewResource,
  ResourceReader,
  ResourceTypeId,
  ResourceUpdate,
  StoredResource,
  Tenant,
  TenantKind,
  TenantSettingsRecord,
  TenantTransaction,
  TokenRecord,
} from '../contract.js'
import type { AccountQueries } from './account-queries.js'
import { AdminSessionQueries } from './admin-session-queries.js'
import { AdminTokenQueries } from './admin-token-queries.js'
import { ConsumerQueries } from './consumer-queries.js'
import { EventFeed, type EventQueries } from './event-queries.js'
import type { InvitationQueries } from './invitation-queries.js'
import { OutboxDelivery, type OutboxQueries } from './outbox-queries.js'
import type { ProvisioningLogQueries } from './provisioning-log-queries.js'
import { WebhookQueries } from './webhook-queries.js'
import type { ResourceQueries } from './resource-queries.js'
import type { StorableResource } from '../resource-columns.js'
import { runnable, type Runnable } from './runnable.js'
import type { TeamQueries } from './team-queries.js'
import type { Work } from './statement.js'
import type { TenantRecords } from './tenant-records.js'

/** Runs work to completion on a connection and settles with its result. */
export type RunWork = <T>(work: Work<T>) => Promise<T>

/** The tenant and token methods of `Store`, on a store's `run`. */
export abstract class SqlStore {
  protected abstract readonly records: TenantRecords
  protected abstract run<T>(work: Work<T>): Promise<T>

  createTenant(kind: Exclude<TenantKind, 'instance'>, slug: string, settings?: TenantSettingsRecord): Promise<Tenant> {
    return this.run(this.records.createTenant(kind, slug, settings))
  }

  async updateTenantSettings(id: string, settings: TenantSettingsRecord): Promise<Tenant | undefined> {
    const tenant = await this.run(this.records.updateSettings(id, settings))
    if (tenant) this.tenantChanged(id)
    return tenant
  }

  readonly #tenantListeners: ((tenantId: string) => void)[] = []

  tenantChanged(tenantId: string): void {
    for (const listener of this.#tenantListeners) listener(tenantId)
  }

  onTenantChange(listener: (tenantId: string) => void): void {
    this.#tenantListeners.push(listener)
  }

  #adminTokens?: Runnable<AdminTokenQueries>
  #adminSessions?: Runnable<AdminSessionQueries>
  #outboxDelivery?: Runnable<OutboxDelivery>
  #eventFeed?: Runnable<EventFeed>
  readonly #numbered = new EventEmitter().setMaxListeners(0)

  /** Store.onEvents. */
  onEvents(tenantId: string, listener: () => void): () => void {
    this.#numbered.on(tenantId, listener)
    return () => void this.#numbered.off(tenantId, listener)
  }

  /** Events of the tenant were committed with their seqs: wakes `onEvents` listeners. */
  protected eventsNumbered(tenantId: string): void {
    this.#numbered.emit(tenantId)
  }

  abstract sequenceEvents(): Promise<void>
  #webhooks?: Runnable<WebhookQueries>

  get webhooks(): Runnable<WebhookQueries> {
    return (this.#webhooks ??= runnable(new WebhookQueries(this.records.dialect), (work) => this.run(work)))
  }

  #eventConsumers?: Runnable<ConsumerQueries>

  get eventConsumers(): Runnable<ConsumerQueries> {
    return (this.#eventConsumers ??= runnable(new ConsumerQueries(this.records.dialect), (work) => this.run(work)))
  }

  get eventFeed(): Runnable<EventFeed> {
    return (this.#eventFeed ??= runnable(new EventFeed(this.records.dialect), (work) => this.run(work)))
  }

  get adminTokens(): Runnable<AdminTokenQueries> {
    return (this.#adminTokens ??= runnable(new AdminTokenQueries(this.records.dialect), (work) => this.run(work)))
  }

  get adminSessions(): Runnable<AdminSessionQueries> {
    return (this.#adminSessions ??= runnable(new AdminSessionQueries(this.records.dialect), (work) => this.run(work)))
  }

  get outboxDelivery(): Runnable<OutboxDelivery> {
    return (this.#outboxDelivery ??= runnable(new OutboxDelivery(this.records.dialect), (work) => this.run(work)))
  }

  findTenant(kind: TenantKind, slug: string): Promise<Tenant | undefined> {
    return this.run(this.records.findTenant(kind, slug))
  }

  getTenant(id: string): Promise<Tenant | undefined> {
    return this.run(this.records.getTenant(id))
  }

  listTenants(): Promise<Tenant[]> {
    return this.run(this.records.listTenants())
  }

  insertToken(token: TokenRecord): Promise<void> {
    return this.run(this.records.insertToken(token))
  }

  findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return this.run(this.records.findTokenByHash(hash))
  }

  listTokens(tenantId?: string): Promise<TokenRecord[]> {
    return this.run(this.records.listTokens(tenantId))
  }

  revokeToken(id: string, at: string): Promise<boolean> {
    return this.run(this.records.revokeToken(id, at))
  }

  markTokenUsed(id: string, at: string): Promise<void> {
    return this.run(this.records.markTokenUsed(id, at))
  }
}

interface DomainRunnables {
  readonly accounts: Runnable<AccountQueries>
  readonly teams: Runnable<TeamQueries>
  readonly invitations: Runnable<InvitationQueries>
  readonly outbox: Runnable<OutboxQueries>
  readonly provisioningLog: Runnable<ProvisioningLogQueries>
  readonly events: Runnable<EventQueries>
}

/** A tenant's reads outside transactions, each run by `read`. */
export class SqlReader implements ResourceReader {
  protected readonly queries: ResourceQueries
  protected readonly read: RunWork

  constructor(queries: ResourceQueries, read: RunWork) {
    this.queries = queries
    this.read = read
  }

  get tenant(): Tenant {
    return this.queries.tenant
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.read(this.queries.get(type, id))
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.read(this.queries.existing(ids))
  }

  members(groupId: string): Promise<Member[]> {
    return this.read(this.queries.members(groupId))
  }

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.read(this.queries.memberPage(groupId, after, limit))
  }

  memberCount(groupId: string): Promise<number> {
    return this.read(this.queries.memberCount(groupId))
  }

  activeMemberCount(groupId: string, after: number, limit: number): Promise<{ count: number; next: number | undefined }> {
    return this.read(this.queries.activeMemberCount(groupId, after, limit))
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.read(this.queries.groupsOf(ids))
  }
}

/**
 * The transaction's view, on the connection that holds it. `get` locks the row it reads and
 * `existing` the rows it finds (`SqlDialect.lockRows`). After the transaction ended, every call
 * throws: a leaked `tx` must not write outside it (nor on a connection serving someone else).
 */
export class SqlTransaction implements TenantTransaction {
  readonly #queries: ResourceQueries
  readonly #run: RunWork
  #ended = false
  /** Rows inserted or deleted (resources and memberships), for planner statistics. */
  written = 0
  /** `events` was used: the store sequences the tenant, or announces its events, after COMMIT. */
  touchedEvents = false

  constructor(queries: ResourceQueries, run: RunWork) {
    this.#queries = queries
    this.#run = run
  }

  end(): void {
    this.#ended = true
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.#do(this.#queries.get(type, id, true))
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.#do(this.#queries.existing(ids, true))
  }

  members(groupId: string): Promise<Member[]> {
    return this.#do(this.#queries.members(groupId))
  }

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#do(this.#queries.memberPage(groupId, after, limit))
  }

  memberCount(groupId: string): Promise<number> {
    return this.#do(this.#queries.memberCount(groupId))
  }

  activeMemberCount(groupId: string, after: number, limit: number): Promise<{ count: number; next: number | undefined }> {
    return this.#do(this.#queries.activeMemberCount(groupId, after, limit))
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.#do(this.#queries.groupsOf(ids))
  }

  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    return this.#do(this.#queries.list(schema, query))
  }

  insert(resource: NewResource): Promise<StoredResource> {
    return this.#count(this.#queries.insert(resource), () => 1)
  }

  /** Resources of one type at once; undefined for each whose userName is taken. */
  insertMany(type: ResourceTypeId, resources: readonly StorableResource[]): Promise<(StoredResource | undefined)[]> {
    return this.#count(this.#queries.insertMany(type, resources), (r) => r.filter((x) => x !== undefined).length)
  }

  update(resource: ResourceUpdate, expectedVersion: number): Promise<StoredResource | undefined> {
    return this.#do(this.#queries.update(resource, expectedVersion))
  }

  delete(type: ResourceTypeId, id: string): Promise<boolean> {
    return this.#count(this.#queries.delete(type, id), Number)
  }

  addMembers(groupId: string, members: readonly { value: string; type: ResourceTypeId }[]): Promise<number> {
    return this.#count(this.#queries.addMembers(groupId, members), (n) => n)
  }

  removeMembers(groupId: string, values: readonly string[]): Promise<number> {
    return this.#count(this.#queries.removeMembers(groupId, values), (n) => n)
  }

  clearMembers(groupId: string): Promise<number> {
    return this.#count(this.#queries.clearMembers(groupId), (n) => n)
  }

  #tenant?: Tenant

  /** Read once per transaction: every create of a batch asks for it. */
  async currentTenant(): Promise<Tenant> {
    if (this.#tenant) return this.#tenant
    const tenant = await this.#do(this.#queries.records.getTenant(this.#queries.tenant.id))
    if (!tenant) throw new TypeError(`tenant ${this.#queries.tenant.id} is gone`)
    return (this.#tenant = tenant)
  }

  async updateTenantSettings(settings: TenantSettingsRecord): Promise<Tenant> {
    const tenant = await this.#do(this.#queries.records.updateSettings(this.#queries.tenant.id, settings))
    if (!tenant) throw new TypeError(`tenant ${this.#queries.tenant.id} is gone`)
    return (this.#tenant = tenant)
  }

  #domain?: DomainRunnables

  #bound(): DomainRunnables {
    if (this.#domain) return this.#domain
    const run: RunWork = (work) => this.#do(work)
    const q = this.#queries.domain
    return (this.#domain = {
      accounts: runnable(q.accounts, run),
      teams: runnable(q.teams, run),
      invitations: runnable(q.invitations, run),
      outbox: runnable(q.outbox, run),
      provisioningLog: runnable(q.provisioningLog, run),
      events: runnable(q.events, (work) => {
        this.touchedEvents = true
        return this.#do(work)
      }),
    })
  }

  get accounts(): Runnable<AccountQueries> {
    return this.#bound().accounts
  }

  get teams(): Runnable<TeamQueries> {
    return this.#bound().teams
  }

  get invitations(): Runnable<InvitationQueries> {
    return this.#bound().invitations
  }

  get outbox(): Runnable<OutboxQueries> {
    return this.#bound().outbox
  }

  get provisioningLog(): Runnable<ProvisioningLogQueries> {
    return this.#bound().provisioningLog
  }

  get events(): Runnable<EventQueries> {
    return this.#bound().events
  }

  async #count<T>(work: Work<T>, rows: (result: T) => number): Promise<T> {
    const result = await this.#do(work)
    this.written += rows(result)
    return result
  }

  async #do<T>(work: Work<T>): Promise<T> {
    if (this.#ended) throw new TypeError('the transaction has ended; use the store, or run a new transaction')
    return this.#run(work)
  }
}
