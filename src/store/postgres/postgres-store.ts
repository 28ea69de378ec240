/**
 * The PostgreSQL store: a small pool of connections (`pg.Pool`). Reads outside transactions go
 * to the pool; `transaction(fn)` holds one client from `BEGIN` to `COMMIT`, and `tx.get` locks
 * the row (`FOR UPDATE`), so concurrent read-modify-writes of one resource take turns, in this
 * process or any other on the same database. `tx.existing` share-locks the rows it finds, so a
 * resource being added to a group cannot be deleted until that membership is committed.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { uniqueness } from '../../scim/errors.js'
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
import { migrate } from './migrations.js'
import { PlannerStatistics, stale } from './planner-statistics.js'
import { redactDatabaseUrl } from './database-url.js'
import { classifyPostgresError, isConnectionError } from './errors.js'
import { InsertBatches } from './insert-batches.js'
import { begin, handleClientErrors, transactionOutcome } from './lost-connections.js'
import { named, storableKey, TenantQueries, type Queryable } from './tenant-queries.js'


const TENANT_COLUMNS = 'id, kind, slug, created_at'
const TOKEN_COLUMNS = 'id, tenant_id, name, hash, hint, created_at, expires_at, last_used_at, revoked_at'

/** serialization_failure, deadlock_detected: the transaction lost a race and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01'])
const ATTEMPTS = 3

/**
 * Connections per process. Small on purpose: the work a Node process can hand PostgreSQL is
 * bounded by its one thread, and more backends only compete for the database's cores (an
 * Entra-style sync on 2 cores with two workers: ~10% less CPU per user with 5 than with 10);
 * and scale-out stays inside PostgreSQL's default 100 connections up to 20 processes.
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
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const
  readonly #pool: pg.Pool
  readonly #db: Queryable
  readonly #statistics: PlannerStatistics
  readonly #inserts: InsertBatches

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
    return new PostgresStore(pool)
  }

  constructor(pool: pg.Pool) {
    this.#pool = pool
    this.#db = guarded(pool)
    this.#statistics = new PlannerStatistics(() => refreshStatistics(pool))
    this.#inserts = new InsertBatches(pool, (rows) => this.#statistics.note(rows))
  }

  /** The pool, for tests and tools (EXPLAIN, benchmarks). */
  get pool(): pg.Pool {
    return this.#pool
  }

  async migrate(): Promise<void> {
    await migrate(this.#pool).catch(rethrowClassified)
  }

  async close(): Promise<void> {
    await this.#statistics.settled()
    if (!this.#pool.ended) await this.#pool.end()
  }

  async createTenant(kind: Exclude<TenantKind, 'instance'>, slug: string): Promise<Tenant> {
    const tenant: Tenant = { id: randomUUID(), kind, slug, createdAt: new Date().toISOString() }
    try {
      await this.#db.query(
        named('INSERT INTO tenants (id, kind, slug, created_at) VALUES ($1, $2, $3, $4)', [
          tenant.id,
          kind,
          slug,
          tenant.createdAt,
        ]),
      )
    } catch (e) {
      if ((e as { code?: unknown }).code === '23505')
        throw uniqueness(`${kind} ${JSON.stringify(slug)} already exists`)
      throw e
    }
    return tenant
  }

  async findTenant(kind: TenantKind, slug: string): Promise<Tenant | undefined> {
    if (!storableKey(slug)) return undefined
    const { rows } = await this.#db.query<TenantRow>(
      named(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE kind = $1 AND slug = $2`, [kind, slug]),
    )
    return rows[0] && toTenant(rows[0])
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    if (!storableKey(id)) return undefined
    const { rows } = await this.#db.query<TenantRow>(
      named(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [id]),
    )
    return rows[0] && toTenant(rows[0])
  }

  async listTenants(): Promise<Tenant[]> {
    const { rows } = await this.#db.query<TenantRow>(
      named(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`, []),
    )
    return rows.map(toTenant)
  }

  async insertToken(token: TokenRecord): Promise<void> {
    await this.#db.query(
      named(
        `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          token.id,
          token.tenantId,
          token.name,
          token.hash,
          token.hint,
          token.createdAt,
          token.expiresAt,
          token.lastUsedAt,
          token.revokedAt,
        ],
      ),
    )
  }

  /** On every request's path (behind a cache): one lookup in the unique index on `hash`. */
  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    if (!storableKey(hash)) return undefined
    const { rows } = await this.#db.query<TokenRow>(
      named(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE hash = $1`, [hash]),
    )
    return rows[0] && toToken(rows[0])
  }

  async listTokens(tenantId?: string): Promise<TokenRecord[]> {
    const { rows } = await this.#db.query<TokenRow>(
      tenantId === undefined
        ? named(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id`, [])
        : named(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]),
    )
    return rows.map(toToken)
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    if (!storableKey(id)) return false
    const result = await this.#db.query(
      named('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]),
    )
    return (result.rowCount ?? 0) > 0
  }

  async markTokenUsed(id: string, at: string): Promise<void> {
    if (!storableKey(id)) return
    await this.#db.query(named('UPDATE tokens SET last_used_at = $1 WHERE id = $2', [at, id]))
  }

  forTenant(tenant: Tenant): TenantStore {
    return new PostgresTenantStore(this.#pool, this.#db, new TenantQueries(tenant), this.#statistics, this.#inserts)
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

class PostgresTenantStore implements TenantStore {
  readonly #pool: pg.Pool
  /** The pool with connection errors classified, for reads outside transactions. */
  readonly #db: Queryable
  readonly #queries: TenantQueries
  readonly #statistics: PlannerStatistics
  readonly #inserts: InsertBatches

  constructor(pool: pg.Pool, db: Queryable, queries: TenantQueries, statistics: PlannerStatistics, inserts: InsertBatches) {
    this.#pool = pool
    this.#db = db
    this.#statistics = statistics
    this.#queries = queries
    this.#inserts = inserts
  }

  get tenant(): Tenant {
    return this.#queries.tenant
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.#queries.get(this.#db, type, id)
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.#queries.existing(this.#db, ids)
  }

  members(groupId: string): Promise<Member[]> {
    return this.#queries.members(this.#db, groupId)
  }

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#queries.memberPage(this.#db, groupId, after, limit)
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.#queries.groupsOf(this.#db, ids)
  }

  list(schema: ResourceSchema, query: ListQuery): Promise<ListResult> {
    return this.#queries.list(this.#db, schema, query)
  }

  /**
   * Batched with the other creates of this (tenant, type) that arrive meanwhile, one autocommit
   * statement per batch (insert-batches.ts): no `BEGIN`/`COMMIT` round trips while the insert
   * lock is held. A connection lost before the answer leaves the outcome unknown: 503, never a
   * retry that could insert twice.
   */
  insert(resource: NewResource): Promise<StoredResource> {
    return this.#inserts.insert(this.#queries, resource)
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
      const tx = new PostgresTransaction(client, this.#queries)
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
          this.#statistics.note(tx.written)
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
      this.#statistics.note(tx.written)
      return unknown.value
    }
  }
}

/**
 * The transaction's view, on the client that holds the transaction. After the transaction
 * ended, every call throws: a leaked `tx` must not write outside it (nor on a client that is
 * back in the pool, serving someone else).
 */
class PostgresTransaction implements TenantTransaction {
  readonly #client: Queryable
  readonly #queries: TenantQueries
  #ended = false
  /** Rows inserted or deleted, for the planner statistics (planner-statistics.ts). */
  written = 0

  constructor(client: Queryable, queries: TenantQueries) {
    this.#client = client
    this.#queries = queries
  }

  end(): void {
    this.#ended = true
  }

  get(type: ResourceTypeId, id: string): Promise<StoredResource | undefined> {
    return this.#run((db) => this.#queries.get(db, type, id, true))
  }

  existing(ids: readonly string[]): Promise<Map<string, ResourceTypeId>> {
    return this.#run((db) => this.#queries.existing(db, ids, true))
  }

  members(groupId: string): Promise<Member[]> {
    return this.#run((db) => this.#queries.members(db, groupId))
  }

  memberPage(groupId: string, after: MemberPosition | undefined, limit: number): Promise<MemberPage> {
    return this.#run((db) => this.#queries.memberPage(db, groupId, after, limit))
  }

  groupsOf(ids: readonly string[]): Promise<Map<string, GroupMembership[]>> {
    return this.#run((db) => this.#queries.groupsOf(db, ids))
  }

  insert(resource: NewResource): Promise<StoredResource> {
    return this.#count(this.#run((db) => this.#queries.insert(db, resource)), () => 1)
  }

  update(resource: ResourceUpdate, expectedVersion: number): Promise<StoredResource | undefined> {
    return this.#run((db) => this.#queries.update(db, resource, expectedVersion))
  }

  delete(type: ResourceTypeId, id: string): Promise<boolean> {
    return this.#count(this.#run((db) => this.#queries.delete(db, type, id)), (deleted) => Number(deleted))
  }

  addMembers(groupId: string, members: readonly { value: string; type: ResourceTypeId }[]): Promise<number> {
    return this.#count(this.#run((db) => this.#queries.addMembers(db, groupId, members)), (n) => n)
  }

  removeMembers(groupId: string, values: readonly string[]): Promise<number> {
    return this.#count(this.#run((db) => this.#queries.removeMembers(db, groupId, values)), (n) => n)
  }

  clearMembers(groupId: string): Promise<number> {
    return this.#count(this.#run((db) => this.#queries.clearMembers(db, groupId)), (n) => n)
  }

  async #count<T>(work: Promise<T>, rows: (result: T) => number): Promise<T> {
    const result = await work
    this.written += rows(result)
    return result
  }

  async #run<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    if (this.#ended) throw new TypeError('the transaction has ended; use the store, or run a new transaction')
    return work(this.#client)
  }
}
