/**
 * The SQLite store: one better-sqlite3 connection in WAL mode. better-sqlite3 is synchronous
 * and the contract is async, so the store itself provides what a pool of connections would:
 * transactions run one at a time (`BEGIN IMMEDIATE`), and while one is open every other call
 * waits, so nobody sees its uncommitted writes or has their own writes rolled back with it.
 *
 * Inside `transaction(fn)`, use the `tx` given to `fn`: the store's own methods would wait for
 * the transaction to end, which is after `fn` returns.
 */
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { uniqueness } from '../../scim/errors.js'
import { parseDateTime } from '../../scim/filter/filter-attribute.js'
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import type {
  GroupMembership,
  ListQuery,
  ListResult,
  Member,
  NewResource,
  ResourceTypeId,
  ResourceUpdate,
  Store,
  StoredResource,
  Tenant,
  TenantKind,
  TenantStore,
  TenantTransaction,
  TokenRecord,
} from '../contract.js'
import { fold } from '../fold.js'
import { migrate } from './migrations.js'
import { DATE_TIME_FUNCTION, FOLD_FUNCTION } from './sqlite-dialect.js'
import { StatementCache } from './statement-cache.js'
import { TenantQueries } from './tenant-queries.js'
import { TransactionGate } from './transaction-gate.js'

interface TenantRow {
  id: string
  kind: TenantKind
  slug: string
  created_at: string
}

interface TokenRow {
  id: string
  tenant_id: string
  name: string
  hash: string
  hint: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  kind: row.kind,
  slug: row.slug,
  createdAt: row.created_at,
})

const toToken = (row: TokenRow): TokenRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  hash: row.hash,
  hint: row.hint,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
})

export interface SqliteStoreOptions {
  /** Prepared statements kept (least recently used evicted). */
  readonly statementCacheSize?: number
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const
  readonly #db: Database.Database
  readonly #statements: StatementCache
  readonly #gate = new TransactionGate()

  /** `filename` is a path or `:memory:`; the parent directory must exist. */
  static open(filename: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(new Database(filename), options)
  }

  constructor(db: Database.Database, options: SqliteStoreOptions = {}) {
    this.#db = db
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    // SQLite's lower() folds ASCII only; filters on JSON values fold in the database like fold() does.
    db.function(FOLD_FUNCTION, { deterministic: true }, (v: unknown) => (typeof v === 'string' ? fold(v) : v))
    db.function(DATE_TIME_FUNCTION, { deterministic: true }, (v: unknown) => {
      const instant = typeof v === 'string' ? parseDateTime(v) : undefined
      return instant === undefined ? null : new Date(instant).toISOString()
    })
    this.#statements = new StatementCache(db, options.statementCacheSize)
  }

  /** The connection, for tests and tools (EXPLAIN QUERY PLAN, benchmarks). */
  get database(): Database.Database {
    return this.#db
  }

  /** How many prepared statements the cache holds. */
  get cachedStatements(): number {
    return this.#statements.size
  }

  async migrate(): Promise<void> {
    await this.#ready()
    migrate(this.#db)
  }

  async close(): Promise<void> {
    await this.#gate.acquire()
    try {
      if (this.#db.open) {
        // Keeps the planner's statistics fresh for the next start (SQLite's advice for long-lived connections).
        this.#db.pragma('optimize')
        this.#db.close()
      }
    } finally {
      this.#gate.release()
    }
  }

  async createTenant(kind: Exclude<TenantKind, 'instance'>, slug: string): Promise<Tenant> {
    await this.#ready()
    const tenant: Tenant = { id: randomUUID(), kind, slug, createdAt: new Date().toISOString() }
    try {
      this.#run(
        'INSERT INTO tenants (id, kind, slug, created_at) VALUES (?, ?, ?, ?)',
        tenant.id,
        kind,
        slug,
        tenant.createdAt,
      )
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw uniqueness(`${kind} ${JSON.stringify(slug)} already exists`)
      throw e
    }
    return tenant
  }

  async findTenant(kind: TenantKind, slug: string): Promise<Tenant | undefined> {
    await this.#ready()
    const row = this.#get<TenantRow>(
      'SELECT id, kind, slug, created_at FROM tenants WHERE kind = ? AND slug = ?',
      kind,
      slug,
    )
    return row && toTenant(row)
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    await this.#ready()
    const row = this.#get<TenantRow>('SELECT id, kind, slug, created_at FROM tenants WHERE id = ?', id)
    return row && toTenant(row)
  }

  async listTenants(): Promise<Tenant[]> {
    await this.#ready()
    const rows = this.#statements
      .get('SELECT id, kind, slug, created_at FROM tenants ORDER BY created_at, id')
      .all() as TenantRow[]
    return rows.map(toTenant)
  }

  async insertToken(token: TokenRecord): Promise<void> {
    await this.#ready()
    this.#run(
      'INSERT INTO tokens (id, tenant_id, name, hash, hint, created_at, expires_at, last_used_at, revoked_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      token.id,
      token.tenantId,
      token.name,
      token.hash,
      token.hint,
      token.createdAt,
      token.expiresAt,
      token.lastUsedAt,
      token.revokedAt,
    )
  }

  /** On every request's path: one lookup in the unique index on `hash`, prepared once. */
  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    await this.#ready()
    const row = this.#get<TokenRow>('SELECT * FROM tokens WHERE hash = ?', hash)
    return row && toToken(row)
  }

  async listTokens(tenantId?: string): Promise<TokenRecord[]> {
    await this.#ready()
    const rows = (
      tenantId === undefined
        ? this.#statements.get('SELECT * FROM tokens ORDER BY created_at, id').all()
        : this.#statements
            .get('SELECT * FROM tokens WHERE tenant_id = ? ORDER BY created_at, id')
            .all(tenantId)
    ) as TokenRow[]
    return rows.map(toToken)
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    await this.#ready()
    return this.#run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', at, id) > 0
  }

  async markTokenUsed(id: string, at: string): Promise<void> {
    await this.#ready()
    this.#run('UPDATE tokens SET last_used_at = ? WHERE id = ?', at, id)
  }

  forTenant(tenant: Tenant): TenantStore {
    return new SqliteTenantStore(this, new TenantQueries(this.#statements, tenant))
  }

  /** Waits while a transaction is open on the connection (see the file comment). */
  async #ready(): Promise<void> {
    while (this.#gate.open) await this.#gate.whenClosed()
  }

  /** For the tenant stores: runs `read` once no transaction is open. */
  async read<T>(read: () => T): Promise<T> {
    if (this.#gate.open) await this.#ready()
    return read()
  }

  /**
   * Runs `fn` between `BEGIN IMMEDIATE` and `COMMIT`, one transaction at a time; rolls back and
   * rethrows when `fn` throws. IMMEDIATE takes the write lock at once, so another process cannot
   * make this transaction fail half-way with SQLITE_BUSY.
   */
  async transaction<T>(queries: TenantQueries, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    await this.#gate.acquire()
    let tx: SqliteTransaction | undefined
    try {
      this.#statements.get('BEGIN IMMEDIATE').run()
      this.#gate.setOpen(true)
      tx = new SqliteTransaction(queries)
      let result: T
      try {
        result = await fn(tx)
        tx.end()
        this.#statements.get('COMMIT').run()
      } catch (e) {
        tx.end()
        if (this.#db.inTransaction) this.#statements.get('ROLLBACK').run()
        throw e
      }
      return result
    } finally {
      this.#gate.release()
    }
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#statements.get(sql).get(...params) as T | undefined
  }

  #run(sql: string, ...params: unknown[]): number {
    return this.#statements.get(sql).run(...params).changes
  }
}

class SqliteTenantStore implements TenantStore {
  readonly #store: SqliteStore
  readonly #queries: TenantQueries

  constructor(store: SqliteStore, queries: TenantQueries) {
    this.#store = store
    this.#queries = queries
  }

  get tenant(): Tenant {
    return this.#queries.tenant
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.#store.read(() => this.#queries.get(type, id))
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.#store.read(() => this.#queries.existing(ids))
  }

  members(groupId: string): Promise<Member[]> {
    return this.#store.read(() => this.#queries.members(groupId))
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.#store.read(() => this.#queries.groupsOf(ids))
  }

  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    return this.#store.read(() => this.#queries.list(schema, query))
  }

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.#store.transaction(this.#queries, fn)
  }
}

/**
 * The transaction's view. SQLite has no row locks: `BEGIN IMMEDIATE` holds the database's write
 * lock for the whole transaction, so `get` needs no `FOR UPDATE`. After the transaction ended,
 * every call throws — a leaked `tx` must not write outside it.
 */
class SqliteTransaction implements TenantTransaction {
  readonly #queries: TenantQueries
  #ended = false

  constructor(queries: TenantQueries) {
    this.#queries = queries
  }

  end(): void {
    this.#ended = true
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.#run(() => this.#queries.get(type, id))
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.#run(() => this.#queries.existing(ids))
  }

  members(groupId: string): Promise<Member[]> {
    return this.#run(() => this.#queries.members(groupId))
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.#run(() => this.#queries.groupsOf(ids))
  }

  insert(resource: NewResource): Promise<StoredResource> {
    return this.#run(() => this.#queries.insert(resource))
  }

  update(resource: ResourceUpdate, expectedVersion: number): Promise<StoredResource | undefined> {
    return this.#run(() => this.#queries.update(resource, expectedVersion))
  }

  delete(type: ResourceTypeId, id: string): Promise<boolean> {
    return this.#run(() => this.#queries.delete(type, id))
  }

  addMembers(groupId: string, members: readonly { value: string; type: ResourceTypeId }[]): Promise<number> {
    return this.#run(() => this.#queries.addMembers(groupId, members))
  }

  removeMembers(groupId: string, values: readonly string[]): Promise<number> {
    return this.#run(() => this.#queries.removeMembers(groupId, values))
  }

  clearMembers(groupId: string): Promise<number> {
    return this.#run(() => this.#queries.clearMembers(groupId))
  }

  /** Sync work in a promise: a thrown error becomes a rejection, like a driver's would. */
  async #run<T>(work: () => T): Promise<T> {
    if (this.#ended) throw new TypeError('the transaction has ended; use the store, or run a new transaction')
    return work()
  }
}
