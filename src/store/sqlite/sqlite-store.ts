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
  MemberPage,
  MemberPosition,
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
import { toTenant, toToken, type TenantRow, type TokenRow } from '../rows.js'
import { DatabaseUnavailableError } from '../database-unavailable.js'
import { fold } from '../fold.js'
import { Checkpointer } from './checkpointer.js'
import { migrate, schemaVersion } from './migrations.js'
import { DATE_TIME_FUNCTION, FOLD_FUNCTION } from './sqlite-dialect.js'
import { StatementCache } from './statement-cache.js'
import { TenantQueries } from './tenant-queries.js'
import { TransactionGate } from './transaction-gate.js'


/**
 * SQLITE_BUSY (or an extended code of it) after busy_timeout: another process held the write
 * lock for 5 s. Nothing was written; the client should retry (HTTP 503).
 */
const unavailableIfBusy = (e: unknown): unknown => {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY') ? new DatabaseUnavailableError(e) : e
}

/** The most transactions one group commit takes; bounds how long readers wait for a batch. */
const GROUP_COMMIT_LIMIT = 64

interface QueuedRead {
  readonly read: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
}

interface QueuedTransaction {
  readonly queries: TenantQueries
  readonly fn: (tx: TenantTransaction) => Promise<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
}

export interface SqliteStoreOptions {
  /** Prepared statements kept (least recently used evicted). */
  readonly statementCacheSize?: number
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const
  readonly #db: Database.Database
  readonly #statements: StatementCache
  readonly #gate = new TransactionGate()
  readonly #queue: QueuedTransaction[] = []
  #draining = false
  #reading = false
  readonly #checkpointer: Checkpointer

  /** `filename` is a path or `:memory:`; the parent directory must exist. */
  static open(filename: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(new Database(filename), options)
  }

  constructor(db: Database.Database, options: SqliteStoreOptions = {}) {
    this.#db = db
    // Before WAL: two processes opening a new file at once would otherwise get an immediate BUSY.
    db.pragma('busy_timeout = 5000')
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    // A larger page cache (64 MiB), and no memory map: every mapped page a process touches
    // counts in its RSS, so a map large enough to matter broke the memory bound at 1,000,000
    // users (256 MiB of map took a run to 487 MB against 245–250 MB without). The map saved a
    // lookup ~6 µs of ~70; a 64 MiB map paid for by a smaller cache was slower overall
    // (docs/design.md).
    db.pragma('cache_size = -65536')
    db.pragma('temp_store = MEMORY')
    // SQLite's lower() folds ASCII only; filters on JSON values fold in the database like fold() does.
    db.function(FOLD_FUNCTION, { deterministic: true }, (v: unknown) => (typeof v === 'string' ? fold(v) : v))
    db.function(DATE_TIME_FUNCTION, { deterministic: true }, (v: unknown) => {
      const instant = typeof v === 'string' ? parseDateTime(v) : undefined
      return instant === undefined ? null : new Date(instant).toISOString()
    })
    this.#statements = new StatementCache(db, options.statementCacheSize)
    this.#checkpointer = new Checkpointer(db)
  }

  /** The connection, for tests and tools (EXPLAIN QUERY PLAN, benchmarks). */
  get database(): Database.Database {
    return this.#db
  }

  /** How many prepared statements the cache holds. */
  get cachedStatements(): number {
    return this.#statements.size
  }

  async migrate() {
    await this.#ready()
    return migrate(this.#db)
  }

  async schemaVersion(): Promise<number | undefined> {
    await this.#ready()
    return schemaVersion(this.#db)
  }

  async close(): Promise<void> {
    await this.#checkpointer.stop()
    await this.#gate.acquire()
    try {
      if (this.#db.open) {
        this.#endRead()
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
    this.#endRead()
    while (this.#gate.open) await this.#gate.whenClosed()
  }

  /**
   * For the tenant stores: runs `read` once no transaction is open, at the end of the
   * event-loop turn, together with every other read asked for in that turn. Run back to back,
   * the statements find SQLite's code and pages still in the CPU caches; interleaved with the
   * rest of each request's work they did not: a `userName eq` lookup cost about a third less
   * CPU batched (measured with 32 concurrent clients). A lone read waits for nothing but the
   * end of the current turn.
   */
  read<T>(read: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#reads.push({ read, resolve: resolve as (value: unknown) => void, reject })
      if (this.#reads.length === 1) setImmediate(this.#runReads)
    })
  }

  readonly #reads: QueuedRead[] = []

  readonly #runReads = async (): Promise<void> => {
    let waited: unknown
    if (this.#gate.open) await this.#ready().catch((e: unknown) => (waited = e ?? new Error('waiting for a transaction failed')))
    // Taken after the wait: reads asked for meanwhile go in this batch too.
    const reads = this.#reads.splice(0)
    try {
      // Every queued read settles, whatever happened: a read that never answers is a hung request.
      if (waited !== undefined) throw waited
      this.#beginRead()
    } catch (e) {
      for (const r of reads) r.reject(unavailableIfBusy(e))
      return
    }
    for (const r of reads) {
      try {
        r.resolve(r.read())
      } catch (e) {
        r.reject(e)
      }
    }
  }

  /**
   * Reads of one event-loop turn share one read transaction, ended on the next turn (or
   * before any write). In WAL mode every transaction takes and drops a lock on the shared
   * memory file — two system calls — so a lookup's two queries, and the lookups of many
   * requests arriving together, pay for one.
   */
  #beginRead(): void {
    if (this.#reading) return
    this.#statements.get('BEGIN').run()
    // Prepared now, not when the turn ends: ending the read then only runs a statement.
    this.#statements.get('COMMIT')
    this.#reading = true
    setImmediate(this.#endReadCallback)
  }

  readonly #endReadCallback = (): void => this.#endRead()

  #endRead(): void {
    if (!this.#reading) return
    this.#reading = false
    if (this.#db.open && this.#db.inTransaction) this.#statements.get('COMMIT').run()
  }

  /**
   * Runs `fn` in a transaction and settles once it has committed (or rolled back).
   *
   * Group commit: transactions queue up, and the drain loop runs as many as are waiting (up to
   * GROUP_COMMIT_LIMIT) inside one `BEGIN IMMEDIATE` … `COMMIT`, each in its own SAVEPOINT. A
   * failing transaction rolls back to its savepoint and rejects alone; the others commit
   * together, and nobody hears of success before that COMMIT. One commit per batch instead of
   * one per request is what lets concurrent creates go past a few thousand per second: each
   * commit appends the touched pages to the WAL, and a batch touches shared index pages once.
   * IMMEDIATE takes the write lock at once, so another process cannot make a batch fail
   * half-way with SQLITE_BUSY.
   */
  transaction<T>(queries: TenantQueries, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ queries, fn: fn as (tx: TenantTransaction) => Promise<unknown>, resolve: resolve as (v: unknown) => void, reject })
      if (this.#draining) return
      this.#draining = true
      // Start after the event loop's I/O phase, so requests that arrived together join one batch.
      setImmediate(() => void this.#drain())
    })
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length) {
        await this.#gate.acquire()
        try {
          await this.#runBatch()
        } finally {
          this.#gate.release()
        }
      }
    } finally {
      this.#draining = false
    }
  }

  async #runBatch(): Promise<void> {
    this.#endRead()
    this.#checkpointer.start()
    const done: { job: QueuedTransaction; ok: boolean; value: unknown }[] = []
    const settle = () => {
      for (const { job, ok, value } of done) (ok ? job.resolve : job.reject)(value)
    }
    try {
      this.#statements.get('BEGIN IMMEDIATE').run()
    } catch (e) {
      // Not even BEGIN worked (e.g. busy past the timeout): fail the next job, retry the rest.
      this.#queue.shift()?.reject(unavailableIfBusy(e))
      return
    }
    this.#gate.setOpen(true)
    let current: QueuedTransaction | undefined
    try {
      while (this.#queue.length && done.length < GROUP_COMMIT_LIMIT) {
        const job = this.#queue.shift()!
        current = job
        const tx = new SqliteTransaction(job.queries)
        this.#statements.get('SAVEPOINT tx').run()
        try {
          const value = await job.fn(tx)
          tx.end()
          this.#statements.get('RELEASE tx').run()
          done.push({ job, ok: true, value })
        } catch (e) {
          tx.end()
          if (!this.#db.inTransaction) {
            // SQLite rolled the whole batch back by itself (I/O error, disk full): everyone failed.
            for (const d of done) Object.assign(d, { ok: false, value: e })
            done.push({ job, ok: false, value: e })
            settle()
            return
          }
          this.#statements.get('ROLLBACK TO tx').run()
          this.#statements.get('RELEASE tx').run()
          done.push({ job, ok: false, value: e })
        }
      }
      try {
        this.#statements.get('COMMIT').run()
      } catch (e) {
        if (this.#db.inTransaction) this.#statements.get('ROLLBACK').run()
        for (const d of done) Object.assign(d, { ok: false, value: unavailableIfBusy(e) })
      }
    } catch (e) {
      // A savepoint statement itself failed: nothing of this batch can be trusted to commit.
      if (this.#db.open && this.#db.inTransaction) this.#statements.get('ROLLBACK').run()
      for (const d of done) Object.assign(d, { ok: false, value: e })
      if (current && !done.some((d) => d.job === current)) done.push({ job: current, ok: false, value: e })
    }
    settle()
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#statements.get(sql).get(...params) as T | undefined
  }

  #run(sql: string, ...params: unknown[]): number {
    try {
      return this.#statements.get(sql).run(...params).changes
    } catch (e) {
      throw unavailableIfBusy(e)
    }
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

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#store.read(() => this.#queries.memberPage(groupId, after, limit))
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

  insert(resource: NewResource): Promise<StoredResource> {
    return this.transaction((tx) => tx.insert(resource))
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

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#run(() => this.#queries.memberPage(groupId, after, limit))
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
