/**
 * PostgreSQL for the test suites: whether a server is reachable, and fresh, empty stores on it.
 *
 * Each store gets a schema of its own (`roster_test_<time>_<random>`, `search_path` set on every
 * connection of its pool): cheaper than a database per store, and test files running in
 * parallel never see each other's rows. Creating the tables costs tens of milliseconds, so a
 * closed store's schema is emptied (rows deleted, the instance tenant kept, as `migrate()` makes
 * it) and handed to the next store of the same process; the schemas are dropped when the process
 * ends. Schemas left behind by a killed run are dropped by the next run once an hour old.
 *
 * `ROSTER_TEST_POSTGRES_URL` names the server (default: postgres://postgres@127.0.0.1:5432/test).
 * When it is unreachable the PostgreSQL suites are skipped — except under `CI=true`, where that
 * is a failure: CI must always run both stores.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { redactDatabaseUrl } from '../../src/store/postgres/database-url.js'
import { MIGRATIONS } from '../../src/store/postgres/migrations.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { StatementObserver } from '../../src/store/sql/statement.js'

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'

const SCHEMA_PREFIX = 'roster_test_'
const STALE_SECONDS = 3600

export interface TestPostgres {
  /** The server's URL (it may hold a password: show it with `redactDatabaseUrl`). */
  readonly url: string
  /**
   * A new store in an empty schema of its own; `close()` empties the schema for the next store.
   * `settings` are server parameters for its connections (`-c name=value`).
   */
  openStore(options?: { poolSize?: number; settings?: Record<string, string>; observe?: StatementObserver }): Promise<PostgresStore>
  /** A new schema, never used, and the URL that selects it (for child processes such as the CLI); `drop` removes it. */
  scratchSchema(): Promise<{ schema: string; url: string; drop: () => Promise<void> }>
}

export type Availability =
  | { readonly available: true; readonly postgres: TestPostgres }
  | { readonly available: false; readonly reason: string }

let availability: Promise<Availability> | undefined

/**
 * Decides once per process whether PostgreSQL is reachable (1 s to connect). When it is not,
 * callers skip their PostgreSQL suites; under `CI=true` this throws instead.
 */
export async function testPostgres(): Promise<Availability> {
  availability ??= probe(process.env.ROSTER_TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL)
  const found = await availability
  if (!found.available && process.env.CI === 'true') {
    throw new Error(`CI=true requires PostgreSQL, and there is ${found.reason}`)
  }
  return found
}

/** What the one skipped test says when there is no PostgreSQL. */
export const skipMessage = (reason: string) => `PostgreSQL suites skipped: ${reason}`

async function probe(url: string): Promise<Availability> {
  // The admin pool makes and drops the schemas; idle, it does not keep the process alive.
  const admin = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 1000, allowExitOnIdle: true })
  admin.on('error', () => undefined)
  try {
    await admin.query('SELECT 1')
  } catch (e) {
    await admin.end().catch(() => undefined)
    return {
      available: false,
      reason:
        `no server at ${redactDatabaseUrl(url)} (set ROSTER_TEST_POSTGRES_URL or start PostgreSQL; ` +
        `${(e as Error).message || String((e as { code?: string }).code)})`,
    }
  }
  await dropStaleSchemas(admin)
  const newSchema = async (): Promise<string> => {
    const schema = `${SCHEMA_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString('hex')}`
    await admin.query(`CREATE SCHEMA ${schema}`)
    return schema
  }
  const drop = (schema: string) => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).then(() => undefined)
  /** Emptied schemas, fully migrated or not at all, ready for the next store. */
  const recycled: string[] = []
  const recycle = async (schema: string) => {
    const { rows } = await admin.query<{ tables: number; migrated: boolean }>(
      'SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = $1) AS tables, ' +
        'to_regclass($2) IS NOT NULL AS migrated',
      [schema, `${schema}.schema_migrations`],
    )
    const { tables = -1, migrated = false } = rows[0] ?? {}
    if (tables === 0) return void recycled.push(schema)
    if (migrated) {
      const versions = await admin.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)
      if (versions.rows.length === MIGRATIONS.length) {
        await admin.query(
          `DELETE FROM ${schema}.memberships; DELETE FROM ${schema}.resources; DELETE FROM ${schema}.resource_counts; ` +
            `DELETE FROM ${schema}.tokens; ` +
            ['accounts', 'account_history', 'credentials', 'teams', 'team_members', 'invitations', 'outbox', 'admin_sessions', 'admin_tokens', 'provisioning_log', 'events', 'event_counters', 'webhook_endpoints', 'webhook_deliveries', 'event_consumers']
              .map((table) => `DELETE FROM ${schema}.${table}; `)
              .join('') +
            `UPDATE ${schema}.tenants SET settings = '{}'; ` +
            `DELETE FROM ${schema}.tenants WHERE kind <> 'instance'`,
        )
        return void recycled.push(schema)
      }
    }
    await drop(schema)
  }
  process.once('beforeExit', () => {
    void Promise.all(recycled.splice(0).map((schema) => drop(schema).catch(() => undefined)))
  })
  /**
   * The URL of `schema`. Commits in tests need not survive a crash of the server: without
   * waiting for the WAL flush, a migration or a transaction commits several times faster.
   */
  const scoped = (schema: string, settings: Record<string, string> = {}) => {
    const scopedUrl = new URL(url)
    const all = { search_path: schema, synchronous_commit: 'off', ...settings }
    scopedUrl.searchParams.set(
      'options',
      Object.entries(all)
        .map(([name, value]) => `-c ${name}=${value}`)
        .join(' '),
    )
    return scopedUrl.href
  }
  const postgres: TestPostgres = {
    url,
    async openStore({ settings, ...options } = {}) {
      const schema = recycled.pop() ?? (await newSchema())
      try {
        const store = await PostgresStore.open(scoped(schema, settings), options)
        return new ScratchStore(store.pool, () => recycle(schema), options.observe)
      } catch (e) {
        await drop(schema)
        throw e
      }
    },
    async scratchSchema() {
      const schema = await newSchema()
      return { schema, url: scoped(schema), drop: () => drop(schema) }
    },
  }
  return { available: true, postgres }
}

async function dropStaleSchemas(admin: pg.Pool): Promise<void> {
  const { rows } = await admin.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE '${SCHEMA_PREFIX}%'`,
  )
  const cutoff = Date.now() / 1000 - STALE_SECONDS
  for (const { nspname } of rows) {
    const created = Number(/^roster_test_(\d+)_/.exec(nspname)?.[1])
    if (!Number.isFinite(created) || created > cutoff) continue
    // Another test process may be dropping it at the same moment.
    await admin.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`).catch(() => undefined)
  }
}

/** A store whose `close()` also empties its schema for the next one. */
class ScratchStore extends PostgresStore {
  #release: (() => Promise<void>) | undefined

  constructor(pool: pg.Pool, release: () => Promise<void>, observe: StatementObserver | undefined) {
    super(pool, { observe })
    this.#release = release
  }

  override async close(): Promise<void> {
    await super.close()
    const release = this.#release
    this.#release = undefined
    await release?.()
  }
}
