/**
 * The SQLite store: one better-sqlite3 connection in WAL mode. better-sqlite3 is synchronous
 * and the contract is async, so the store itself provides what a pool of connections would:
 * transactions run one at a time (`BEGIN IMMEDIATE`), and while one is open every other call
 * waits, so nobody sees its uncommitted writes or has their own writes rolled back with it.
 *
 * Inside `transaction(fn)`, use the `tx` given to `fn`: the store's own methods would wait for
 * the transaction to end, which is after `fn` returns.
 */
import Database from 'better-sqlite3'
import { foldCase } from '../../scim/fold-case.js'
import { parseDateTime } from '../../scim/filter/filter-attribute.js'
import type { ResourceSchema } from '../../scim/schema/resource-schema.js'
import type {
  AfterInsert,
  ListQuery,
  ListResult,
  NewResource,
  Store,
  StoredResource,
  Tenant,
  TenantStore,
  TenantTransaction,
} from '../contract.js'
import { DatabaseUnavailableError } from '../database-unavailable.js'
import { PagePositions } from '../page-positions.js'
import { ResourceQueries, type QueryCaches } from '../sql/resource-queries.js'
import { EventSequencing } from '../sql/event-queries.js'
import { SEQUENCE_BATCH } from '../sql/event-sequencer.js'
import { SqlReader, SqlStore, SqlTransaction } from '../sql/sql-store.js'
import type { StatementObserver, Work } from '../sql/statement.js'
import { TenantRecords } from '../sql/tenant-records.js'
import { Checkpointer } from './checkpointer.js'
import { latestVersion, migrate, schemaVersion } from './migrations.js'
import { runSqlite } from './run-sqlite.js'
import { DATE_TIME_FUNCTION, FOLD_FUNCTION, sqliteDialect } from './sqlite-dialect.js'
import { StatementCache } from './statement-cache.js'
import { TransactionGate } from './transaction-gate.js'
import { isBusy, pause, WriteLock } from './write-lock.js'

/**
 * SQLITE_BUSY (or an extended code of it) after the busy timeout: another connection held a
 * lock for 5 s. Nothing was written; the client should retry (HTTP 503).
 */
const unavailableIfBusy = (e: unknown): unknown => (isBusy(e) ? new DatabaseUnavailableError(e) : e)

/** How long a statement or a write waits for another connection's lock (SQLite's busy_timeout). */
const BUSY_TIMEOUT_MS = 5000

/** The most transactions one group commit takes; bounds how long readers wait for a batch. */
const GROUP_COMMIT_LIMIT = 64

interface QueuedRead {
  readonly read: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
}

interface QueuedTransaction {
  readonly queries: ResourceQueries
  readonly fn: (tx: TenantTransaction) => Promise<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  /** performance.now() when queued: the job waits for the write lock up to the busy timeout from here. */
  readonly queuedAt: number
}

export interface SqliteStoreOptions {
  /** Prepared statements kept (least recently used evicted). */
  readonly statementCacheSize?: number
  /** Sees every statement the store's queries run (tests count and inspect them). */
  readonly observe?: StatementObserver
  /** How long to wait for another connection's lock before a 503 (tests shorten it). */
  readonly busyTimeoutMs?: number
}

export class SqliteStore extends SqlStore implements Store {
  readonly latestSchemaVersion = latestVersion()
  protected readonly records = new TenantRecords(sqliteDialect)
  readonly #caches: QueryCaches = { positions: new PagePositions() }
  readonly #observe: StatementObserver | undefined
  readonly #db: Database.Database
  readonly #statements: StatementCache
  readonly #gate = new TransactionGate()
  readonly #queue: QueuedTransaction[] = []
  #draining = false
  #reading = false
  readonly #checkpointer: Checkpointer
  readonly #writeLock: WriteLock

  /** `filename` is a path or `:memory:`; the parent directory must exist. */
  static open(filename: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(new Database(filename), options)
  }

  constructor(db: Database.Database, options: SqliteStoreOptions = {}) {
    super()
    this.#db = db
    this.#observe = options.observe
    // Before WAL: two processes opening a new file at once would otherwise get an immediate BUSY.
    const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    // A larger page cache (64 MiB), and no memory map: every mapped page a process touches
    // counts in its RSS, and a map large enough to matter broke the memory bound at 1,000,000
    // users (docs/design.md, "No memory map").
    db.pragma('cache_size = -65536')
    db.pragma('temp_store = MEMORY')
    // SQLite's lower() folds ASCII only; filters on JSON values fold in the database like fold() does.
    db.function(FOLD_FUNCTION, { deterministic: true }, (v: unknown) => (typeof v === 'string' ? foldCase(v) : v))
    db.function(DATE_TIME_FUNCTION, { deterministic: true }, (v: unknown) => {
      const instant = typeof v === 'string' ? parseDateTime(v) : undefined
      return instant === undefined ? null : new Date(instant).toISOString()
    })
    this.#statements = new StatementCache(db, options.statementCacheSize)
    this.#checkpointer = new Checkpointer(db)
    this.#writeLock = new WriteLock(db, this.#statements, busyTimeoutMs)
  }

  /** The connection, for tests and tools (EXPLAIN QUERY PLAN, benchmarks). */
  get database(): Database.Database {
    return this.#db
  }

  /** How many times a write found the write lock held and waited (tests). */
  get busyAttempts(): number {
    return this.#writeLock.busyAttempts
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

  /** Tenants and tokens (SqlStore): once no transaction is open, at once. */
  protected async run<T>(work: Work<T>): Promise<T> {
    await this.#ready()
    try {
      return runSqlite(work, this.#statements, this.#observe)
    } catch (e) {
      throw unavailableIfBusy(e)
    }
  }

  forTenant(tenant: Tenant): TenantStore {
    return new SqliteTenantStore(this, new ResourceQueries(sqliteDialect, tenant, this.#caches))
  }

  /**
   * Writers number their own events here (event-queries.ts), so this finds rows without a seq
   * only if something wrote them otherwise; it numbers them the way PostgreSQL's sequencer does.
   */
  async sequenceEvents(): Promise<void> {
    const sequencing = new EventSequencing(sqliteDialect)
    const tenants = await this.read(() => this.runNow(sequencing.pendingTenants()))
    for (const tenant of tenants) {
      let numbered: number
      do {
        numbered = await this.#writeNow(sequencing.sequence(tenant, SEQUENCE_BATCH))
        if (numbered > 0) this.eventsNumbered(tenant)
      } while (numbered === SEQUENCE_BATCH)
    }
  }

  /** `work` in a write transaction of its own, once no other is open. */
  async #writeNow<T>(work: Work<T>): Promise<T> {
    await this.#gate.acquire()
    try {
      await this.#writeLock.begin(
        () => this.#endRead(),
        () => this.#gate.setOpen(true),
      )
      try {
        // Synchronous from here to COMMIT; the open gate kept others out since BEGIN.
        const value = this.runNow(work)
        this.#statements.get('COMMIT').run()
        return value
      } catch (e) {
        if (this.#db.inTransaction) this.#statements.get('ROLLBACK').run()
        throw unavailableIfBusy(e)
      }
    } finally {
      this.#gate.release()
    }
  }

  /** Runs `work` at once, on the connection (inside a read batch or the write transaction). */
  runNow<T>(work: Work<T>): T {
    return runSqlite(work, this.#statements, this.#observe)
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
   * rest of each request's work they did not (docs/design.md, "Reads of one event-loop turn run
   * together"). A lone read waits for nothing but the
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
  transaction<T>(queries: ResourceQueries, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        queries,
        fn: fn as (tx: TenantTransaction) => Promise<unknown>,
        resolve: resolve as (v: unknown) => void,
        reject,
        queuedAt: performance.now(),
      })
      if (this.#draining) return
      this.#draining = true
      // Start after the event loop's I/O phase, so requests that arrived together join one batch.
      setImmediate(() => void this.#drain())
    })
  }

  /**
   * Opens the next batch's transaction (BEGIN IMMEDIATE), waiting on timers while another
   * connection holds the write lock (write-lock.ts); reads go on meanwhile, and transactions
   * queued meanwhile join the batch. A job that has waited the whole busy timeout since it was
   * queued fails with 503; false once no job is left to run.
   */
  async #beginBatch(): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      let busy: Error | undefined
      try {
        // In the same turn as BEGIN: a read transaction opened while we waited would refuse it.
        this.#endRead()
        busy = this.#writeLock.tryBegin()
      } catch (e) {
        // Not even BEGIN worked (not busy: e.g. an I/O error): fail the next job, retry the rest.
        this.#queue.shift()?.reject(e)
        return false
      }
      if (busy === undefined) {
        // In the same turn as BEGIN: nothing else may run on the connection from here on.
        this.#gate.setOpen(true)
        return true
      }
      const now = performance.now()
      const timeout = this.#writeLock.timeoutMs
      while (this.#queue.length && now - this.#queue[0]!.queuedAt >= timeout) {
        this.#queue.shift()!.reject(new DatabaseUnavailableError(busy))
      }
      if (!this.#queue.length) return false
      await pause(attempt, this.#queue[0]!.queuedAt + timeout - now)
    }
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
    this.#checkpointer.start()
    if (!(await this.#beginBatch())) return
    // The gate is open (#beginBatch): reads and store calls wait for the batch's COMMIT.
    const done: { job: QueuedTransaction; ok: boolean; value: unknown; events?: boolean }[] = []
    const settle = () => {
      for (const { job, ok, value, events } of done) {
        // Writers number their events here (event-queries.ts): committed is readable.
        if (ok && events) this.eventsNumbered(job.queries.tenant.id)
        if (ok) job.resolve(value)
        else job.reject(value)
      }
    }
    let current: QueuedTransaction | undefined
    try {
      while (this.#queue.length && done.length < GROUP_COMMIT_LIMIT) {
        const job = this.#queue.shift()!
        current = job
        const tx = new SqlTransaction(job.queries, async (work) => this.runNow(work))
        this.#statements.get('SAVEPOINT tx').run()
        try {
          const value = await job.fn(tx)
          tx.end()
          this.#statements.get('RELEASE tx').run()
          done.push({ job, ok: true, value, events: tx.touchedEvents })
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
}

/** Reads wait for the end of the event-loop turn and run together (`SqliteStore.read`). */
class SqliteTenantStore extends SqlReader implements TenantStore {
  readonly #store: SqliteStore

  constructor(store: SqliteStore, queries: ResourceQueries) {
    super(queries, (work) => store.read(() => store.runNow(work)))
    this.#store = store
  }

  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    return this.read(this.queries.list(schema, query))
  }

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.#store.transaction(this.queries, fn)
  }

  insert(resource: NewResource, after?: AfterInsert): Promise<StoredResource> {
    if (after === undefined) return this.transaction((tx) => tx.insert(resource))
    return this.transaction(async (tx) => {
      const inserted = await tx.insert(resource)
      await after(tx, inserted)
      return inserted
    })
  }
}
