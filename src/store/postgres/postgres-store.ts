/**
 * The PostgreSQL store: a small pool of connections (`pg.Pool`). Reads outside transactions go
 * to the pool; `transaction(fn)` holds one client from `BEGIN` to `COMMIT`, and `tx.get` locks
 * the row (`FOR NO KEY UPDATE`), so concurrent read-modify-writes of one resource take turns, in this
 * process or any other on the same database. `tx.existing` share-locks the rows it finds, so a
 * resource being added to a group cannot be deleted until that membership is committed.
 */
import pg from 'pg'
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
import { PagePositions } from '../page-positions.js'
import { ResourceQueries, type QueryCaches } from '../sql/resource-queries.js'
import { EventSequencer } from '../sql/event-sequencer.js'
import { SqlReader, SqlStore, SqlTransaction } from '../sql/sql-store.js'
import type { StatementObserver, Work } from '../sql/statement.js'
import { TenantRecords } from '../sql/tenant-records.js'
import { latestVersion, migrate, schemaVersion } from './migrations.js'
import { PlannerStatistics, stale } from './planner-statistics.js'
import { redactDatabaseUrl } from './database-url.js'
import { classifyPostgresError, isConnectionError } from './errors.js'
import { InsertBatches } from './insert-batches.js'
import { begin, handleClientErrors, transactionOutcome } from './lost-connections.js'
import { postgresDialect } from './postgres-dialect.js'
import { PostgresRunner, type Queryable } from './run-postgres.js'

/** serialization_failure, deadlock_detected: the transaction lost a race and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01'])
const ATTEMPTS = 3

/**
 * Connections per process. Small on purpose: the work a Node process can hand PostgreSQL is
 * bounded by its one thread, and more backends only compete for the database's cores
 * (docs/design.md, "Five connections per process"); and scale-out stays inside PostgreSQL's default 100 connections up to 20 processes.
 * ROSTER_DATABASE_POOL_SIZE sets it, e.g. for a database many milliseconds away.
 */
export const DEFAULT_POOL_SIZE = 5
/**
 * How long a request waits for a connection (a free one, or a new one being opened) before it
 * fails with 503: long enough for a burst to drain, short enough that an IdP gets an answer
 * before its own timeout when the server is unreachable.
 */
const CONNECT_TIMEOUT_MS = 10_000

const rethrowClassified = (e: unknown): never => {
  throw classifyPostgresError(e)
}

/**
 * The pool as the queries see it: a lost or refused connection becomes a
 * `DatabaseUnavailableError` (HTTP 503), other errors pass unchanged.
 */
function guarded(pool: pg.Pool): Queryable {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
  return { query: ((...args: unknown[]) => query(...args).catch(rethrowClassified)) as Queryable['query'] }
}

export interface PostgresStoreOptions {
  /** Connections at most (default DEFAULT_POOL_SIZE). */
  readonly poolSize?: number | undefined
  /** Sees every statement the store's queries run (tests count and inspect them). */
  readonly observe?: StatementObserver | undefined
}

export class PostgresStore extends SqlStore implements Store {
  readonly latestSchemaVersion = latestVersion()
  protected readonly records = new TenantRecords(postgresDialect)
  readonly #caches: QueryCaches = { positions: new PagePositions() }
  readonly #runner: PostgresRunner
  readonly #pool: pg.Pool
  readonly #db: Queryable
  readonly #statistics: PlannerStatistics
  readonly #inserts: InsertBatches
  readonly #sequencer: EventSequencer

  /**
   * Opens a pool on `url` (`postgres://user:password@host:port/database`, libpq parameters such
   * as `sslmode` or `options` in the query string) and checks that a connection can be made.
   * Errors name the URL without its password.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      application_name: 'roster',
      // Never wait forever for a server that does not answer, nor for a free connection.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A server host that vanished (no FIN, no RST) is noticed instead of hanging a query.
      keepAlive: true,
    })
    // A connection the server drops (restart, terminated backend) must not end the process.
    handleClientErrors(pool)
    try {
      const client = await pool.connect()
      client.release()
    } catch (e) {
      await pool.end().catch(() => undefined)
      throw new Error(`cannot connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${(e as Error).message}`)
    }
    return new PostgresStore(pool, options)
  }

  constructor(pool: pg.Pool, options: Pick<PostgresStoreOptions, 'observe'> = {}) {
    super()
    this.#pool = pool
    this.#db = guarded(pool)
    this.#runner = new PostgresRunner(options.observe)
    this.#statistics = new PlannerStatistics(() => refreshStatistics(pool))
    this.#inserts = new InsertBatches(pool, this.#runner, (rows) => this.#statistics.note(rows))
    // Background work: its statements are not the requests' (an observer counts those).
    const runner = new PostgresRunner()
    this.#sequencer = new EventSequencer(postgresDialect, {
      transact: (work) => shortTransaction(pool, (client) => runner.run(work, client)),
      read: (work) => runner.run(work, this.#db),
      numbered: (tenantId) => this.eventsNumbered(tenantId),
    })
  }

  sequenceEvents(): Promise<void> {
    return this.#sequencer.sequencePending()
  }

  /** The pool, for tests and tools (EXPLAIN, benchmarks). */
  get pool(): pg.Pool {
    return this.#pool
  }

  async migrate() {
    return migrate(this.#pool).catch(rethrowClassified)
  }

  async schemaVersion(): Promise<number | undefined> {
    return schemaVersion(this.#pool).catch(rethrowClassified)
  }

  async close(): Promise<void> {
    await this.#sequencer.close()
    await this.#statistics.settled()
    if (!this.#pool.ended) await this.#pool.end()
  }

  /** Tenants and tokens (SqlStore), on the pool. */
  protected run<T>(work: Work<T>): Promise<T> {
    return this.#runner.run(work, this.#db)
  }

  forTenant(tenant: Tenant): TenantStore {
    const queries = new ResourceQueries(postgresDialect, tenant, this.#caches)
    return new PostgresTenantStore(this.#pool, this.#runner, queries, this.#statistics, this.#inserts, this.#db, this.#sequencer)
  }
}

/**
 * ANALYZE of the tables whose statistics are `stale` (planner-statistics.ts), by one process at
 * a time: one that finds another analysing skips its round. A short lock timeout: it must never
 * queue behind (or hold up) schema changes or a TRUNCATE; a skipped round is retried at the next
 * look.
 */
async function refreshStatistics(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    const { rows } = await client.query<{ name: string; known: number; changed: number }>(
      // The statistics views count changes a second or so late: the rows resource_counts holds
      // (exact, at once) stand in for the inserts and deletes of resources the view has not seen.
      'SELECT c.relname AS name, c.reltuples::float8 AS known, greatest(s.n_mod_since_analyze, ' +
        "CASE WHEN c.relname = 'resources' THEN abs((SELECT COALESCE(sum(total), 0) FROM resource_counts) - " +
        'greatest(c.reltuples, 0)) ELSE 0 END)::float8 AS changed ' +
        'FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid ' +
        "WHERE c.oid IN (to_regclass('resources'), to_regclass('memberships'))",
    )
    // Names read from pg_class for exactly these two tables: safe to put in the statement.
    const tables = rows.filter(stale).map((r) => r.name)
    if (tables.length === 0) return
    await client.query('BEGIN')
    await client.query("SET LOCAL lock_timeout = '500ms'")
    const { rows: lock } = await client.query<{ ours: boolean }>(
      "SELECT pg_try_advisory_xact_lock(hashtextextended(current_schema() || 'analyze', 0)) AS ours",
    )
    if (lock[0]?.ours === true) await client.query(`ANALYZE ${tables.join(', ')}`)
    await client.query('COMMIT')
  } catch (e) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
    throw e
  } finally {
    client.release(broken)
  }
}

/** `fn` between BEGIN and COMMIT on a client of its own (no retries: the sequencer's next run is one). */
async function shortTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch(rethrowClassified)
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    const value = await fn(client)
    await client.query('COMMIT')
    return value
  } catch (e) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
    throw classifyPostgresError(e)
  } finally {
    client.release(broken)
  }
}

/** Reads on the pool; writes on one client per transaction, or batched for creates. */
class PostgresTenantStore extends SqlReader implements TenantStore {
  readonly #pool: pg.Pool
  readonly #runner: PostgresRunner
  readonly #statistics: PlannerStatistics
  readonly #inserts: InsertBatches
  readonly #sequencer: EventSequencer

  constructor(
    pool: pg.Pool,
    runner: PostgresRunner,
    queries: ResourceQueries,
    statistics: PlannerStatistics,
    inserts: InsertBatches,
    db: Queryable,
    sequencer: EventSequencer,
  ) {
    super(queries, (work) => runner.run(work, db))
    this.#pool = pool
    this.#runner = runner
    this.#statistics = statistics
    this.#inserts = inserts
    this.#sequencer = sequencer
  }

  /** A transaction committed: its events (appended without seqs) get theirs now. */
  #committed(tx: SqlTransaction): void {
    this.#statistics.note(tx.written)
    if (tx.touchedEvents) this.#sequencer.nudge(this.queries.tenant.id)
  }

  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    return this.read(this.queries.list(schema, query))
  }

  /**
   * Batched with the other creates of this (tenant, type) that arrive meanwhile, one autocommit
   * statement per batch (insert-batches.ts): no `BEGIN`/`COMMIT` round trips while the insert
   * lock is held. A connection lost before the answer leaves the outcome unknown: 503, never a
   * retry that could insert twice.
   */
  insert(resource: NewResource, after?: AfterInsert): Promise<StoredResource> {
    if (after === undefined) return this.#inserts.insert(this.queries, resource)
    return this.#inserts.insertWith(this.queries, resource, after, (fn) => this.transaction(fn))
  }

  /**
   * `BEGIN` … `COMMIT` on one pooled client (READ COMMITTED). A deadlock or serialisation
   * failure rolls back and runs `fn` again, up to three times in all: `fn` does nothing but
   * database work through `tx`, so running it again is safe. So does a connection lost before
   * `COMMIT` was sent (the server rolled the transaction back; a pooled connection may have died
   * while idle): the next attempt takes a fresh one. A connection lost during `COMMIT` leaves the
   * outcome unknown until the database is asked, on a fresh connection, whether the transaction
   * (its id read at `BEGIN`) committed (lost-connections.ts): committed is success, rolled back
   * is `DatabaseUnavailableError`, as is a refused connection (the server is down).
   */
  async transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect().catch(rethrowClassified)
      // A connection lost between two queries: no ROLLBACK to try, and the pool must discard it.
      let lost: Error | undefined
      const onError = (e: Error) => {
        lost ??= e
      }
      client.on('error', onError)
      const tx = new SqlTransaction(this.queries, (work) => this.#runner.run(work, client))
      let broken: Error | undefined
      let committing = false
      /** Set when COMMIT's answer was lost: asked about once the client is back in the pool. */
      let unknown: { error: unknown; xid: string; value: T } | undefined
      try {
        const xid = await begin(client)
        const value = await fn(tx)
        tx.end()
        committing = true
        try {
          await client.query('COMMIT')
        } catch (e) {
          if (!isConnectionError(e)) throw e
          unknown = { error: e, xid, value }
          broken = lost ?? (e as Error)
        }
        if (!unknown) {
          this.#committed(tx)
          return value
        }
      } catch (e) {
        tx.end()
        if (lost) broken = lost
        else {
          try {
            await client.query('ROLLBACK')
          } catch (rollbackError) {
            // The connection is gone or unusable: the pool must not hand it out again.
            broken = rollbackError as Error
          }
        }
        if (attempt < ATTEMPTS) {
          const code = (e as { code?: unknown } | null)?.code
          if (typeof code === 'string' && RETRYABLE.has(code) && broken === undefined) continue
          if (!committing && isConnectionError(e)) continue
        }
        throw classifyPostgresError(e)
      } finally {
        client.off('error', onError)
        client.release(broken)
      }
      // Only now, with the dead client released: the look needs a connection of the pool.
      if ((await transactionOutcome(this.#pool, unknown.xid, unknown.error)) === 'aborted') {
        throw classifyPostgresError(unknown.error)
      }
      this.#committed(tx)
      return unknown.value
    }
  }
}
