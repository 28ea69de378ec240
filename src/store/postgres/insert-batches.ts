/**
 * Group commit for creates on PostgreSQL. Inserts of one (tenant, type) must commit one at a
 * time (postgres-dialect.ts `insertResources`: seq order is visibility order), so each waits for the
 * previous one's WAL flush: a few hundred creates per second, however many connections.
 * Instead, while one insert statement of a (tenant, type) is running, this process collects the
 * creates that arrive and sends them together as the next statement: one lock turn and one
 * flush for all of them. An IdP that creates users on many connections gets them committed in
 * batches as large as its concurrency; a lone create still goes out at once.
 */
import type pg from 'pg'
import type { AfterInsert, NewResource, ResourceTypeId, StoredResource, TenantTransaction } from '../contract.js'
import { storable, userNameTaken, type StorableResource } from '../resource-columns.js'
import type { ResourceQueries } from '../sql/resource-queries.js'
import type { SqlTransaction } from '../sql/sql-store.js'
import { classifyPostgresError, isConnectionError } from './errors.js'
import { afterBackendEnds, backendPid } from './lost-connections.js'
import type { PostgresRunner } from './run-postgres.js'

/** Rows per statement at most: bounds the statement's size and its lock time. */
export const MAX_BATCH = 200

/** serialization_failure, deadlock_detected: the statement lost a race and may run again. */
const RETRYABLE = new Set(['40001', '40P01'])
const ATTEMPTS = 3

interface Waiting {
  readonly resource: NewResource
  readonly resolve: (stored: StoredResource) => void
  readonly reject: (error: unknown) => void
}

interface Lane {
  running: boolean
  readonly waiting: Waiting[]
}

interface WaitingWith extends Waiting {
  readonly after: AfterInsert
}

interface LaneWith {
  running: boolean
  readonly waiting: WaitingWith[]
}

/** PostgresTenantStore.transaction: retries, and the outcome of a COMMIT whose answer was lost. */
export type Transact = <T>(fn: (tx: TenantTransaction) => Promise<T>) => Promise<T>

/** A batch that must run one create at a time instead. */
class BatchFallback extends Error {}

/** The connection to `pid` was lost while the statement was sent or running: it may have committed. */
class LostStatement {
  constructor(
    readonly pid: number,
    readonly error: unknown,
  ) {}
}

export class InsertBatches {
  readonly #pool: pg.Pool
  readonly #runner: PostgresRunner
  readonly #lanes = new Map<string, Lane>()
  /** Called with the number of rows each statement inserted (planner statistics). */
  readonly #inserted: (rows: number) => void

  constructor(pool: pg.Pool, runner: PostgresRunner, inserted: (rows: number) => void) {
    this.#pool = pool
    this.#runner = runner
    this.#inserted = inserted
  }

  insert(queries: ResourceQueries, resource: NewResource): Promise<StoredResource> {
    const key = `${queries.tenant.id}\u0000${resource.resourceType}`
    let lane = this.#lanes.get(key)
    if (lane === undefined) this.#lanes.set(key, (lane = { running: false, waiting: [] }))
    const done = new Promise<StoredResource>((resolve, reject) => lane.waiting.push({ resource, resolve, reject }))
    if (!lane.running) void this.#drain(key, lane, queries, resource.resourceType)
    return done
  }

  readonly #lanesWith = new Map<string, LaneWith>()

  /**
   * A create whose transaction also runs `after` (TenantStore.insert): the creates of one
   * (tenant, type) that arrive while a batch runs go together into the next transaction — one
   * insert statement, each `after` in turn, one COMMIT (one lock turn, one flush) — instead of
   * one serialised transaction each. Should any `after` (or the insert) fail, the transaction
   * rolls back and each create runs again alone, so each gets its own answer.
   */
  insertWith(queries: ResourceQueries, resource: NewResource, after: AfterInsert, transact: Transact): Promise<StoredResource> {
    const key = `${queries.tenant.id}\u0000${resource.resourceType}`
    let lane = this.#lanesWith.get(key)
    if (lane === undefined) this.#lanesWith.set(key, (lane = { running: false, waiting: [] }))
    const done = new Promise<StoredResource>((resolve, reject) => lane.waiting.push({ resource, after, resolve, reject }))
    if (!lane.running) void this.#drainWith(key, lane, resource.resourceType, transact)
    return done
  }

  async #drainWith(key: string, lane: LaneWith, type: ResourceTypeId, transact: Transact): Promise<void> {
    lane.running = true
    try {
      while (lane.waiting.length > 0) {
        const batch = lane.waiting.splice(0, MAX_BATCH)
        if (batch.length === 1 || !(await this.#together(batch, type, transact))) {
          for (const waiting of batch) await this.#alone(waiting, transact)
        }
      }
    } finally {
      lane.running = false
      this.#lanesWith.delete(key)
    }
  }

  /** The whole batch in one transaction; false (nothing written, nobody settled) if any part failed. */
  async #together(batch: WaitingWith[], type: ResourceTypeId, transact: Transact): Promise<boolean> {
    let rows: StorableResource[]
    try {
      rows = batch.map((w) => storable(w.resource))
    } catch {
      return false
    }
    let results: StoredResource[]
    try {
      results = await transact(async (tx) => {
        // The store's own transactions are SqlTransactions; insertMany is theirs, not the contract's.
        const inserted = await (tx as SqlTransaction).insertMany(type, rows)
        // A taken userName is that create's 409 alone: let each run by itself.
        if (inserted.some((r) => r === undefined)) throw new BatchFallback()
        const stored = inserted as StoredResource[]
        const many = batch[0]!.after.many
        if (many && batch.every((w) => w.after.many === many)) await many(tx, batch.map((w, i) => ({ inserted: stored[i]!, after: w.after })))
        else for (let i = 0; i < batch.length; i++) await batch[i]!.after(tx, stored[i]!)
        return stored
      })
    } catch (e) {
      // An outage fails them all (each would wait for it again); anything else: one at a time.
      if (!(e instanceof BatchFallback) && isConnectionError(e)) {
        for (const waiting of batch) waiting.reject(classifyPostgresError(e))
        return true
      }
      return false
    }
    this.#inserted(results.length)
    batch.forEach((waiting, i) => waiting.resolve(results[i]!))
    return true
  }

  async #alone(waiting: WaitingWith, transact: Transact): Promise<void> {
    try {
      const stored = await transact(async (tx) => {
        const inserted = await tx.insert(waiting.resource)
        await waiting.after(tx, inserted)
        return inserted
      })
      this.#inserted(1)
      waiting.resolve(stored)
    } catch (e) {
      waiting.reject(e)
    }
  }

  async #drain(key: string, lane: Lane, queries: ResourceQueries, type: ResourceTypeId): Promise<void> {
    lane.running = true
    try {
      while (lane.waiting.length > 0) {
        const batch = lane.waiting.splice(0, MAX_BATCH)
        await this.#run(queries, type, batch)
      }
    } finally {
      lane.running = false
      this.#lanes.delete(key)
    }
  }

  /** Settles every request of `batch`; never throws. */
  async #run(queries: ResourceQueries, type: ResourceTypeId, waiting: Waiting[]): Promise<void> {
    // A document the database cannot store is that request's 400, before any statement.
    const batch: Waiting[] = []
    const rows: StorableResource[] = []
    for (const w of waiting) {
      try {
        rows.push(storable(w.resource))
        batch.push(w)
      } catch (e) {
        w.reject(e)
      }
    }
    if (batch.length === 0) return
    let results: (StoredResource | undefined)[]
    try {
      results = await this.#statement(queries, type, rows)
    } catch (e) {
      if (e instanceof LostStatement) return this.#settle(queries, type, batch, e)
      // One row the database refuses for a reason found only by running it must not fail
      // the others: alone, each request gets its own answer. An outage fails them all (each would wait for it again).
      if (batch.length > 1 && !isConnectionError(e)) {
        for (const waiting of batch) await this.#run(queries, type, [waiting])
        return
      }
      for (const waiting of batch) waiting.reject(classifyPostgresError(e))
      return
    }
    this.#inserted(results.filter((r) => r !== undefined).length)
    batch.forEach((waiting, i) => {
      const stored = results[i]
      if (stored === undefined) waiting.reject(userNameTaken(waiting.resource.document))
      else waiting.resolve(stored)
    })
  }

  /**
   * The statement, on a client of its own (its backend's pid is what tells, should the
   * connection be lost, whether the statement can still commit). A lost connection rejects with
   * a `LostStatement`.
   */
  async #statement(queries: ResourceQueries, type: ResourceTypeId, resources: StorableResource[]) {
    for (let attempt = 1; ; attempt++) {
      // No connection, no statement sent: a plain 503.
      const client = await this.#pool.connect().catch((e: unknown) => {
        throw classifyPostgresError(e)
      })
      let broken: Error | undefined
      try {
        return await this.#runner.run(queries.insertMany(type, resources), client)
      } catch (e) {
        if (isConnectionError(e)) {
          broken = e as Error
          const pid = backendPid(client)
          throw pid === undefined ? classifyPostgresError(e) : new LostStatement(pid, e)
        }
        const code = (e as { code?: unknown } | null)?.code
        // Nothing was written by a statement that failed this way: safe to run again. A lost
        // connection is not retried: the statement may have committed.
        if (attempt < ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue
        throw e
      } finally {
        client.release(broken)
      }
    }
  }

  /**
   * The connection was lost with the statement in flight (lost-connections.ts): once its backend
   * is gone, a row found by its id was inserted and is that request's answer; a request whose row
   * is absent gets 503 (nothing of it was written; a row skipped for a taken userName is absent
   * too, and retrying then gets the 409).
   */
  async #settle(queries: ResourceQueries, type: ResourceTypeId, batch: Waiting[], lost: LostStatement): Promise<void> {
    let found: (StoredResource | undefined)[]
    try {
      found = await afterBackendEnds(this.#pool, lost.pid, lost.error, () =>
        Promise.all(batch.map((w) => this.#runner.run(queries.get(type, w.resource.id), this.#pool))),
      )
    } catch (e) {
      for (const waiting of batch) waiting.reject(e)
      return
    }
    this.#inserted(found.filter((r) => r !== undefined).length)
    batch.forEach((waiting, i) => {
      const stored = found[i]
      if (stored === undefined) waiting.reject(classifyPostgresError(lost.error))
      else waiting.resolve(stored)
    })
  }
}
