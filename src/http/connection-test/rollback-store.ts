/**
 * A tenant store whose every read and write goes through one open transaction that the
 * connection test (dry-run.ts) always rolls back. The SCIM handlers and ResourceService run
 * unchanged on it: what they write — the resource, its account, the provisioning log entry,
 * events, outbox messages — is real SQL in the real tables, seen by the steps that follow,
 * and gone with the rollback.
 */
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import type {
  AfterInsert,
  GroupMembership,
  ListQuery,
  ListResult,
  Member,
  MemberPage,
  MemberPosition,
  NewResource,
  ResourceTypeId,
  StoredResource,
  Tenant,
  TenantStore,
  TenantTransaction,
} from '../../store/contract.js'

export class RollbackTenantStore implements TenantStore {
  readonly tenant: Tenant
  readonly #tx: TenantTransaction

  constructor(tenant: Tenant, tx: TenantTransaction) {
    this.tenant = tenant
    this.#tx = tx
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.#tx.get(type, id)
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.#tx.existing(ids)
  }

  members(groupId: string): Promise<Member[]> {
    return this.#tx.members(groupId)
  }

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#tx.memberPage(groupId, after, limit)
  }

  memberCount(groupId: string): Promise<number> {
    return this.#tx.memberCount(groupId)
  }

  activeMemberCount(groupId: string, after: number, limit: number): Promise<{ count: number; next: number | undefined }> {
    return this.#tx.activeMemberCount(groupId, after, limit)
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.#tx.groupsOf(ids)
  }

  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    return this.#tx.list(schema, query)
  }

  /**
   * The steps run one after another, and the dry run stops at the first that fails (nothing
   * after it is run), so a failed step's partial writes are never read by another: no
   * savepoint is needed for each.
   */
  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return fn(this.#tx)
  }

  async insert(resource: NewResource, after?: AfterInsert): Promise<StoredResource> {
    const inserted = await this.#tx.insert(resource)
    if (after) await after(this.#tx, inserted)
    return inserted
  }
}
